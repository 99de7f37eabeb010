/**
 * `npm run bench:history`: how long listing a long version history takes (target: 1,000 versions
 * in under 200 ms). Tandem only: the reference servers keep no history. Runs the real server with
 * SQLite in a temporary directory and measures GET /api/docs/<docId>/versions over loopback.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import * as Y from 'yjs'
import { createServer } from '../server/create-server.js'
import { openSqliteStorage } from '../server/storage/sqlite/sqlite-storage.js'

const COUNTS = [100, 1_000, 5_000]
const REQUESTS = 30
const TARGET_MS = 200

/** A pooled socket the server closed while idle (keep-alive timeout) fails once; that is not the server's time. */
async function fetchWithRetry(target: string): Promise<Response> {
  try {
    return await fetch(target)
  } catch {
    return fetch(target)
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

const dataDir = await mkdtemp(path.join(tmpdir(), 'tandem-bench-history-'))
const storage = openSqliteStorage({ dataDir })
const { docs: store, versions } = storage
const server = await createServer({ port: 0, storage, logLevel: 'warn' })
const { url } = await server.listen()

// A realistic state per version: a few pages of text.
const doc = new Y.Doc()
doc.getXmlFragment('default').insert(0, [new Y.XmlText('lorem ipsum '.repeat(400))])
const state = Y.encodeStateAsUpdate(doc)

const rows: string[] = []
for (const count of COUNTS) {
  const docId = `history-${count}` as never
  await store.create(docId, `${count} versions`)
  const startedAt = Date.now() - count * 60_000
  for (let i = 0; i < count; i++) {
    await versions.add(docId, {
      state,
      name: i % 50 === 0 ? `Milestone ${i / 50}` : null,
      authors: ['Ann', 'Ben'],
      createdAt: startedAt + i * 60_000,
    })
  }
  // Warm-up: the first requests pay for JIT compilation and SQLite's page cache, not for the list.
  for (let i = 0; i < 5; i++) await (await fetchWithRetry(`${url}/api/docs/${docId}/versions`)).arrayBuffer()
  const timings: number[] = []
  let listed = 0
  for (let i = 0; i < REQUESTS; i++) {
    const t = performance.now()
    const body = (await (await fetchWithRetry(`${url}/api/docs/${docId}/versions`)).json()) as { versions: unknown[] }
    timings.push(performance.now() - t)
    listed = body.versions.length
  }
  if (listed !== count) throw new Error(`listed ${listed} versions, expected ${count}`)
  timings.sort((a, b) => a - b)
  const p95 = percentile(timings, 95)
  rows.push(
    `| ${count} | ${(state.byteLength / 1024).toFixed(1)} KB | ${percentile(timings, 50).toFixed(1)} | ${p95.toFixed(1)} | ${timings.at(-1)!.toFixed(1)} | ${p95 < TARGET_MS ? 'yes' : 'NO'} |`,
  )
}

console.log(`\n### Listing a document's versions (GET /api/docs/<docId>/versions, ${REQUESTS} requests each)\n`)
console.log('| versions | state per version | p50 ms | p95 ms | max ms | p95 < 200 ms |')
console.log('| ---: | ---: | ---: | ---: | ---: | :---: |')
for (const row of rows) console.log(row)
await server.close()
await rm(dataDir, { recursive: true, force: true })
