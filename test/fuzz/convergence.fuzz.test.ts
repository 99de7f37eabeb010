import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { MemoryDocStore } from '../../server/storage/memory/memory-doc-store.js'
import { stockProvider } from '../helpers/clients.js'
import { startServer } from '../helpers/test-server.js'
import { waitFor } from '../helpers/wait-for.js'

function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0
    return state / 2 ** 32
  }
}

/**
 * Two replicas hold the same changes: equal state vectors *and* equal delete sets. A deletion adds
 * no clock to the state vector, so equal state vectors alone pass while a delete is still in flight
 * (a loaded CI machine once asserted in that gap); equal text alone passes while a map set is.
 */
function holdSameChanges(a: Y.Doc, b: Y.Doc): boolean {
  return Y.equalSnapshots(Y.snapshot(a), Y.snapshot(b))
}

const SEEDS = Number(process.env.CONVERGENCE_SEEDS ?? 5)
const OPS = Number(process.env.CONVERGENCE_OPS ?? 150)

/**
 * The Yjs way of testing a sync system: several clients make random edits through the real server
 * while randomly disconnecting and reconnecting; once healed, every replica and the stored state
 * must be identical.
 */
describe('randomised convergence through the server', () => {
  const baseSeed = Number(process.env.CONVERGENCE_SEED ?? Date.now() % 100_000)

  it(
    `converges for ${SEEDS} seeds from ${baseSeed} (replay with CONVERGENCE_SEED=${baseSeed})`,
    { timeout: 120_000 },
    async () => {
      for (let run = 0; run < SEEDS; run++) {
        const seed = baseSeed + run
        const random = seededRandom(seed)
        const store = new MemoryDocStore()
        const running = await startServer({ store, limits: { compactAfterRows: 40 } })
        const docId = `fuzz-${seed}`
        const clients = Array.from({ length: 4 }, () => stockProvider(running.wsUrl, docId))
        try {
          for (let op = 0; op < OPS; op++) {
            const client = clients[Math.floor(random() * clients.length)]!
            const roll = random()
            const text = client.text
            if (roll < 0.04) {
              if (client.provider.wsconnected || client.provider.wsconnecting) client.provider.disconnect()
              else client.provider.connect()
            } else if (roll < 0.6) {
              text.insert(Math.floor(random() * (text.length + 1)), String.fromCharCode(97 + Math.floor(random() * 26)))
            } else if (roll < 0.85 && text.length > 0) {
              const at = Math.floor(random() * text.length)
              text.delete(at, Math.min(1 + Math.floor(random() * 3), text.length - at))
            } else {
              client.doc.getMap('m').set(`k${Math.floor(random() * 5)}`, Math.floor(random() * 1000))
            }
            if (random() < 0.2) await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 5)))
          }
          for (const client of clients) if (!client.provider.wsconnected) client.provider.connect()
          const label = `seed ${seed}`
          await waitFor(() => clients.every((c) => c.provider.synced && holdSameChanges(c.doc, clients[0]!.doc)), {
            timeoutMs: 15_000,
            description: `all replicas equal (${label})`,
          })
          await running.server.registry.withRoom(docId as never, (room) => room.flush())
          await running.server.registry.idle()
          const stored = new Y.Doc()
          for (const entry of (await store.load(docId as never)).entries) Y.applyUpdate(stored, entry.update)
          for (const client of clients) {
            expect(client.text.toString(), label).toBe(clients[0]!.text.toString())
            expect(client.doc.getMap('m').toJSON(), label).toEqual(clients[0]!.doc.getMap('m').toJSON())
          }
          expect(stored.getText('t').toString(), label).toBe(clients[0]!.text.toString())
          expect(stored.getMap('m').toJSON(), label).toEqual(clients[0]!.doc.getMap('m').toJSON())
        } finally {
          for (const client of clients) client.destroy()
          await running.close()
        }
      }
    },
  )
})
