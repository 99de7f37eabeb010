/**
 * Where an idle connection's JS heap goes (issue 19, item 4): starts a server under test, opens a
 * warm-up set of idle connections (as the idle scenario does), takes a heap snapshot, opens as many
 * again, takes another, and prints what the second set added per connection, by object kind and
 * constructor, so one server's idle cost can be compared line by line with another's.
 * Usage: node --import tsx bench/tools/idle-heap.ts [--servers tandem,y-websocket] [--connections 2000] [--room 10] [--retainers]
 * `--retainers` keys every object also by what holds it (the first retainer's kind and the edge's
 * name, `(array) ← object Map.table`), which says whose backing arrays and plain objects they are.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { BenchClient } from '../lib/bench-client.js'
import { SERVER_KINDS, ServerProcess, type ServerKind } from '../lib/server-process.js'
import { sleep } from '../lib/stats.js'
import { connectAll, dialectOf } from '../lib/typing-load.js'

interface HeapSnapshot {
  snapshot: {
    meta: {
      node_fields: string[]
      node_types: [string[], ...unknown[]]
      edge_fields: string[]
      edge_types: [string[], ...unknown[]]
    }
  }
  nodes: number[]
  edges: number[]
  strings: string[]
}

/** Self size and count of every live object, keyed by kind and constructor (or "(string)" etc.). */
function heapByKind(file: string, withRetainers: boolean): Map<string, { bytes: number; count: number }> {
  const heap = JSON.parse(readFileSync(file, 'utf8')) as HeapSnapshot
  const fields = heap.snapshot.meta.node_fields
  const types = heap.snapshot.meta.node_types[0]
  const width = fields.length
  const typeAt = fields.indexOf('type')
  const nameAt = fields.indexOf('name')
  const sizeAt = fields.indexOf('self_size')
  const kindOf = (index: number): string => {
    const type = types[heap.nodes[index + typeAt] ?? 0] ?? '?'
    const name = heap.strings[heap.nodes[index + nameAt] ?? 0] ?? '?'
    // Strings and code are many distinct names: one line each kind is enough.
    return type === 'object' || type === 'closure' || type === 'native' ? `${type} ${name}` : `(${type})`
  }
  const retainerOf = withRetainers ? firstRetainers(heap) : null
  const totals = new Map<string, { bytes: number; count: number }>()
  for (let index = 0; index < heap.nodes.length; index += width) {
    const held = retainerOf?.get(index)
    const key = held ? `${kindOf(index)} ← ${kindOf(held.from)}.${held.edge}` : kindOf(index)
    const entry = totals.get(key) ?? { bytes: 0, count: 0 }
    entry.bytes += heap.nodes[index + sizeAt] ?? 0
    entry.count += 1
    totals.set(key, entry)
  }
  return totals
}

/** For every node (by its index in `nodes`), the first node that holds it by a strong edge, and that edge's name. */
function firstRetainers(heap: HeapSnapshot): Map<number, { from: number; edge: string }> {
  const { node_fields: nodeFields, edge_fields: edgeFields, edge_types: edgeTypes } = heap.snapshot.meta
  const nodeWidth = nodeFields.length
  const edgeWidth = edgeFields.length
  const edgeCountAt = nodeFields.indexOf('edge_count')
  const edgeTypeAt = edgeFields.indexOf('type')
  const edgeNameAt = edgeFields.indexOf('name_or_index')
  const edgeToAt = edgeFields.indexOf('to_node')
  const retainers = new Map<number, { from: number; edge: string }>()
  let edge = 0
  for (let from = 0; from < heap.nodes.length; from += nodeWidth) {
    const count = heap.nodes[from + edgeCountAt] ?? 0
    for (let i = 0; i < count; i++, edge += edgeWidth) {
      const type = edgeTypes[0][heap.edges[edge + edgeTypeAt] ?? 0]
      if (type === 'weak' || type === 'shortcut') continue
      const to = heap.edges[edge + edgeToAt] ?? 0
      if (retainers.has(to)) continue
      const nameOrIndex = heap.edges[edge + edgeNameAt] ?? 0
      const name = type === 'element' || type === 'hidden' ? `[${nameOrIndex}]` : (heap.strings[nameOrIndex] ?? '?')
      retainers.set(to, { from, edge: name })
    }
  }
  return retainers
}

async function measure(
  kind: ServerKind,
  connections: number,
  roomSize: number,
  dir: string,
  withRetainers: boolean,
): Promise<void> {
  const server = await ServerProcess.start(kind)
  const clients: BenchClient[] = []
  try {
    const makeClients = (set: string): BenchClient[] =>
      Array.from({ length: connections }, (_, index) => {
        const docId = `heap-${set}-${Math.floor(index / roomSize)}`
        return new BenchClient({ url: server.urlFor(docId), docId, dialect: dialectOf(kind), index })
      })
    const warmup = makeClients('warmup')
    clients.push(...warmup)
    await connectAll(warmup, 250, 120_000)
    await sleep(500)
    const before = path.join(dir, `${kind}-before.heapsnapshot`)
    await server.heapSnapshot(before)
    const measured = makeClients('measured')
    clients.push(...measured)
    await connectAll(measured, 250, 120_000)
    await sleep(500)
    const after = path.join(dir, `${kind}-after.heapsnapshot`)
    await server.heapSnapshot(after)
    const a = heapByKind(before, withRetainers)
    const b = heapByKind(after, withRetainers)
    const rows = [...b].map(([key, { bytes, count }]) => ({
      key,
      bytes: (bytes - (a.get(key)?.bytes ?? 0)) / connections,
      count: (count - (a.get(key)?.count ?? 0)) / connections,
    }))
    const total = rows.reduce((sum, row) => sum + row.bytes, 0)
    process.stdout.write(`\n## ${kind}: ${(total / 1024).toFixed(2)} KiB of JS heap per idle connection\n\n`)
    process.stdout.write('| bytes/conn | objects/conn | kind |\n| ---: | ---: | --- |\n')
    for (const row of rows.sort((x, y) => y.bytes - x.bytes).slice(0, 30)) {
      process.stdout.write(`| ${row.bytes.toFixed(0)} | ${row.count.toFixed(2)} | ${row.key} |\n`)
    }
  } finally {
    for (const client of clients) client.close()
    await server.stop()
  }
}

const { values } = parseArgs({
  options: {
    servers: { type: 'string', default: 'tandem,y-websocket' },
    connections: { type: 'string', default: '2000' },
    room: { type: 'string', default: '10' },
    retainers: { type: 'boolean', default: false },
  },
})
const kinds = values.servers.split(',').map((kind) => {
  if (!(SERVER_KINDS as readonly string[]).includes(kind)) throw new Error(`unknown server ${kind}`)
  return kind as ServerKind
})
const dir = mkdtempSync(path.join(os.tmpdir(), 'idle-heap-'))
try {
  for (const kind of kinds) await measure(kind, Number(values.connections), Number(values.room), dir, values.retainers)
} finally {
  rmSync(dir, { recursive: true, force: true })
}
