/**
 * `npm run bench:app`: what the web app costs a writer before they can type. Reports the
 * JavaScript the editor page loads (raw and gzip, as served) and the time from navigation to an
 * editable document in Debian's Chromium on localhost, over a cold and a warm cache.
 * Budget (issue 3): at most 300 KB of gzip JavaScript and 1 s to editable.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { gzipSync } from 'node:zlib'
import { createServer } from '../server/create-server.js'
import { WEB_APP_DIST, ensureWebAppBuilt } from '../test/e2e/helpers/app-server.js'
import { launchChromium } from '../test/e2e/helpers/browser.js'

const RUNS = 7
const BUDGET_GZIP_KB = 300
const BUDGET_EDITABLE_MS = 1_000

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

await ensureWebAppBuilt()
// The editor page's initial JavaScript: the entry script index.html names, plus its static imports.
const html = await readFile(path.join(WEB_APP_DIST, 'index.html'), 'utf8')
const scripts = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]!)
let rawBytes = 0
let gzipBytes = 0
for (const script of new Set(scripts)) {
  const bytes = await readFile(path.join(WEB_APP_DIST, script))
  rawBytes += bytes.byteLength
  gzipBytes += gzipSync(bytes, { level: 6 }).byteLength
}

const dataDir = await mkdtemp(path.join(tmpdir(), 'tandem-bench-app-'))
const server = await createServer({ port: 0, dataDir, logLevel: 'warn' })
const { url } = await server.listen()
const browser = await launchChromium()
const timings: Record<'cold' | 'warm', number[]> = { cold: [], warm: [] }
let transferredKb = 0
try {
  for (let run = 0; run < RUNS; run++) {
    const context = await browser.newContext()
    const page = await context.newPage()
    let transferred = 0
    const sizes: Promise<void>[] = []
    page.on('requestfinished', (request) => {
      if (request.url().endsWith('.js'))
        sizes.push(request.sizes().then((s) => void (transferred += s.responseBodySize)))
    })
    for (const cache of ['cold', 'warm'] as const) {
      const startedAt = performance.now()
      await page.goto(`${url}/d/bench-${run}-${cache}`)
      await page.locator('.ProseMirror[contenteditable="true"]').waitFor({ timeout: 30_000 })
      timings[cache].push(performance.now() - startedAt)
    }
    await Promise.all(sizes)
    if (run === 0) transferredKb = transferred / 1024
    await context.close()
  }
} finally {
  await browser.close()
  await server.close()
  await rm(dataDir, { recursive: true, force: true })
}

const kb = (bytes: number) => (bytes / 1024).toFixed(0)
console.log(`\n### Web app load (${RUNS} runs, Debian Chromium headless, localhost)\n`)
console.log('| figure | value | budget | met |')
console.log('| --- | ---: | ---: | :---: |')
console.log(`| editor page JavaScript, raw | ${kb(rawBytes)} KB | — | — |`)
console.log(
  `| editor page JavaScript, gzip | ${kb(gzipBytes)} KB | ${BUDGET_GZIP_KB} KB | ${gzipBytes / 1024 <= BUDGET_GZIP_KB ? 'yes' : 'NO'} |`,
)
console.log(`| JavaScript bytes on the wire (first cold load, gzip-encoded) | ${transferredKb.toFixed(0)} KB | — | — |`)
for (const cache of ['cold', 'warm'] as const) {
  const m = median(timings[cache])
  console.log(
    `| navigation → editable, ${cache} cache, median (min–max) | ${m.toFixed(0)} ms (${Math.min(...timings[cache]).toFixed(0)}–${Math.max(...timings[cache]).toFixed(0)}) | ${BUDGET_EDITABLE_MS} ms | ${m <= BUDGET_EDITABLE_MS ? 'yes' : 'NO'} |`,
  )
}
