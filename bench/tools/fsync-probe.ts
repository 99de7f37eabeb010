/**
 * How long one durable SQLite commit (WAL, synchronous=FULL: what Tandem uses) blocks the calling
 * thread on this machine's disk. Tandem commits on its event-loop thread, so this is loop time.
 * Usage: node --import tsx bench/tools/fsync-probe.ts [commits]
 */
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import { summarize } from '../lib/stats.js'

const commits = Number(process.argv[2] ?? 300)
const dir = mkdtempSync(path.join(os.tmpdir(), 'tandem-fsync-probe-'))
try {
  const db = new Database(path.join(dir, 'probe.db'))
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = FULL')
  db.exec('CREATE TABLE log (id INTEGER PRIMARY KEY, body BLOB)')
  const insert = db.prepare('INSERT INTO log (body) VALUES (?)')
  const commit = db.transaction((body: Uint8Array) => insert.run(body))
  const body = new Uint8Array(40)
  const samples: number[] = []
  for (let i = 0; i < commits; i++) {
    const startedAt = performance.now()
    commit(body)
    samples.push(performance.now() - startedAt)
  }
  const summary = summarize(samples)
  process.stdout.write(
    `${commits} commits of one 40-byte row, WAL + synchronous=FULL: p50 ${summary.p50.toFixed(2)} ms, p99 ${summary.p99.toFixed(2)} ms, max ${summary.max.toFixed(2)} ms\n`,
  )
  db.close()
} finally {
  rmSync(dir, { recursive: true, force: true })
}
