/**
 * Summarises a V8 .cpuprofile (from `npm run bench -- --cpu-prof DIR`): self time by package or
 * source area and the hottest functions, so a server's cost per update can be attributed.
 * Usage: node --import tsx bench/tools/profile-summary.ts <file.cpuprofile> [top] [--last <seconds>]
 * `--last` keeps only the profile's final seconds: a bench run ends with its typing window and
 * drain, so this leaves out the server's start-up (module loading) and the clients' connecting.
 * Besides self time it prints inclusive time for the server's own functions (server/, shared/):
 * which of Tandem's steps the time is spent under.
 */
import { readFileSync } from 'node:fs'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
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

const argv = process.argv.slice(2)
const lastIndex = argv.indexOf('--last')
const lastS = lastIndex >= 0 ? Number(argv[lastIndex + 1]) : Number.POSITIVE_INFINITY
const optionAt = (name: string): number => argv.indexOf(name)
const isOptionPart = (i: number): boolean =>
  ['--last', '--own'].some((name) => optionAt(name) >= 0 && (i === optionAt(name) || i === optionAt(name) + 1))
const [file, topArgument] = argv.filter((_, i) => !isOptionPart(i))
if (!file) {
  process.stderr.write('usage: profile-summary.ts <file.cpuprofile> [top]\n')
  process.exit(2)
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
const byId = new Map(profile.nodes.map((node) => [node.id, node]))
const parentOf = new Map<number, number>()
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id)
/** Whose functions get inclusive time: Tandem's (source, or the bench's bundle), or `--own <regex>` (an anchor's package). */
const ownIndex = argv.indexOf('--own')
const OWN = new RegExp(ownIndex >= 0 ? String(argv[ownIndex + 1]) : '/(server|shared)/|tandem-bench/')
const selfByArea = new Map<string, number>()
const selfByFunction = new Map<string, number>()
const totalByOwnFunction = new Map<string, number>()
const endUs = profile.timeDeltas.reduce((sum, delta) => sum + delta, 0)
const fromUs = endUs - lastS * 1e6
let totalUs = 0
let atUs = 0
profile.samples.forEach((id, index) => {
  const node = byId.get(id)
  const deltaUs = profile.timeDeltas[index] ?? 0
  atUs += deltaUs
  if (!node || atUs < fromUs) return
  const { functionName, url, lineNumber } = node.callFrame
  if (functionName === '(idle)') return
  totalUs += deltaUs
  const area = areaOf(url)
  selfByArea.set(area, (selfByArea.get(area) ?? 0) + deltaUs)
  const name = `${functionName || '(anonymous)'} ${area}:${lineNumber + 1}`
  selfByFunction.set(name, (selfByFunction.get(name) ?? 0) + deltaUs)
  // Inclusive: every distinct own function on this sample's stack gets its time once.
  const seen = new Set<string>()
  for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
    const frame = byId.get(at)?.callFrame
    if (!frame || !OWN.test(frame.url)) continue
    const own = `${frame.functionName || '(anonymous)'} ${areaOf(frame.url)}:${frame.lineNumber + 1}`
    if (seen.has(own)) continue
    seen.add(own)
    totalByOwnFunction.set(own, (totalByOwnFunction.get(own) ?? 0) + deltaUs)
  }
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
print("inclusive time of the server's own functions", totalByOwnFunction)
