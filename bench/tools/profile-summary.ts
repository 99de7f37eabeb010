/**
 * Summarises a V8 .cpuprofile (from `npm run bench -- --cpu-prof DIR`): self time by package or
 * source area and the hottest functions, so a server's cost per update can be attributed.
 * Usage: node --import tsx bench/tools/profile-summary.ts <file.cpuprofile> [top]
 */
import { readFileSync } from 'node:fs'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
}
interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

function areaOf(url: string): string {
  if (url === '') return '(native / idle / gc)'
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (inModules?.[1]) return inModules[1]
  if (url.startsWith('node:')) return url
  const inRepo = /\/(server|shared|bench)\/(.+)$/.exec(url)
  return inRepo ? `${inRepo[1]}/${inRepo[2]}` : url
}

const [file, topArgument] = process.argv.slice(2)
if (!file) {
  process.stderr.write('usage: profile-summary.ts <file.cpuprofile> [top]\n')
  process.exit(2)
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
const byId = new Map(profile.nodes.map((node) => [node.id, node]))
const selfByArea = new Map<string, number>()
const selfByFunction = new Map<string, number>()
let totalUs = 0
profile.samples.forEach((id, index) => {
  const node = byId.get(id)
  const deltaUs = profile.timeDeltas[index] ?? 0
  if (!node) return
  const { functionName, url, lineNumber } = node.callFrame
  if (functionName === '(idle)') return
  totalUs += deltaUs
  const area = areaOf(url)
  selfByArea.set(area, (selfByArea.get(area) ?? 0) + deltaUs)
  const name = `${functionName || '(anonymous)'} ${area}:${lineNumber + 1}`
  selfByFunction.set(name, (selfByFunction.get(name) ?? 0) + deltaUs)
})
const top = Number(topArgument ?? 25)
const print = (title: string, map: Map<string, number>): void => {
  process.stdout.write(`\n${title} (busy ${(totalUs / 1e6).toFixed(2)} s)\n`)
  for (const [name, us] of [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(
      `${((100 * us) / Math.max(1, totalUs)).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${name}\n`,
    )
  }
}
print('self time by area', selfByArea)
print('self time by function', selfByFunction)
