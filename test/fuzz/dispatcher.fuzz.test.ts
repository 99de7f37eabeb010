import fc from 'fast-check'
import * as encoding from 'lib0/encoding'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { SyncError } from '../../shared/errors.js'
import { createLogger } from '../../server/logger.js'
import { createMetrics } from '../../server/metrics.js'
import { LocalPubSub } from '../../server/pubsub/local-pubsub.js'
import { resolveLimits } from '../../server/server-limits.js'
import { MemoryDocStore } from '../../server/storage/memory/memory-doc-store.js'
import type { Connection } from '../../server/sync/connection.js'
import type { DocRoom } from '../../server/sync/doc-room.js'
import { RoomRegistry } from '../../server/sync/room-registry.js'
import { HOSTILE_FRAMES, HOSTILE_UPDATES } from '../fixtures/hostile-payloads.js'
import { updateFrame } from '../helpers/clients.js'

/**
 * No single message may cost more CPU than this (a crafted frame that hangs a decoder would). CPU
 * time, not wall time: on a loaded machine (CI beside other jobs) a fast handling could take
 * 300 ms of wall time while other processes ran.
 */
const MAX_HANDLING_MS = 250
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000)
const RUNS = Number(process.env.FUZZ_RUNS ?? 500)

describe(`frame dispatcher fuzz (seed ${SEED}, replay with FUZZ_SEED=${SEED})`, () => {
  let registry: RoomRegistry
  let room: DocRoom
  const store = new MemoryDocStore()
  let connectionNumber = 0

  beforeAll(async () => {
    registry = new RoomRegistry({
      store,
      pubsub: new LocalPubSub(),
      log: createLogger('silent'),
      metrics: createMetrics(),
      // The fuzzer sends far faster than any person; the apply budget has its own test.
      limits: resolveLimits({ applyBudgetBurstMs: 1e9 }),
      unloadDelayMs: 60_000,
    })
    room = await registry.acquire('fuzzed' as never)
    const seed = new Y.Doc()
    seed.getText('t').insert(0, 'seed content')
    seed.getMap('m').set('k', { nested: [1, 2, 3] })
    room.receive(join(), updateFrame(Y.encodeStateAsUpdate(seed)))
  })
  afterAll(async () => {
    await registry.closeAll(1000, 'done')
  })

  function join(): Connection {
    const connection: Connection = {
      id: `fuzz-${connectionNumber++}`,
      transport: 'websocket',
      wantsAcks: true,
      wantsThreads: false,
      send: () => undefined,
      close: () => undefined,
    }
    room.join(connection)
    return connection
  }

  /** Feeds one frame on a fresh connection; only SyncError may escape, and quickly. */
  function feed(frame: Uint8Array): void {
    const connection = join()
    const cpuBefore = process.cpuUsage()
    try {
      room.receive(connection, frame)
    } catch (error) {
      if (!(error instanceof SyncError)) throw error
    } finally {
      room.leave(connection)
    }
    const cpu = process.cpuUsage(cpuBefore)
    expect((cpu.user + cpu.system) / 1000).toBeLessThan(MAX_HANDLING_MS)
  }

  function roomStillHealthy(): void {
    const copy = new Y.Doc()
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(room.doc))
    expect(copy.getText('t').toString()).toContain('seed content')
  }

  it('survives arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        feed(bytes)
      }),
      { seed: SEED, numRuns: RUNS },
    )
    roomStillHealthy()
  })

  it('survives arbitrary bytes inside well-formed sync and awareness envelopes', () => {
    fc.assert(
      fc.property(fc.constantFrom(0, 1, 2), fc.uint8Array({ maxLength: 300 }), (kind, payload) => {
        const encoder = encoding.createEncoder()
        if (kind === 2) {
          encoding.writeVarUint(encoder, 1)
        } else {
          encoding.writeVarUint(encoder, 0)
          encoding.writeVarUint(encoder, kind + 1)
        }
        encoding.writeVarUint8Array(encoder, payload)
        feed(encoding.toUint8Array(encoder))
      }),
      { seed: SEED, numRuns: RUNS },
    )
    roomStillHealthy()
  })

  it('survives mutated real updates, and stores only decodable updates that match the room', async () => {
    const source = new Y.Doc()
    source.getText('t').insert(0, 'hello world')
    source.getText('t').format(0, 5, { bold: true })
    source.getArray('a').insert(0, [1, 'two', { three: 3 }, new Uint8Array([4])])
    source.getText('t').delete(2, 3)
    const valid = Y.encodeStateAsUpdate(source)
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            at: fc.nat(),
            op: fc.constantFrom('set', 'insert', 'delete'),
            value: fc.integer({ min: 0, max: 255 }),
          }),
          { minLength: 1, maxLength: 6 },
        ),
        (mutations) => {
          const bytes = [...valid]
          for (const { at, op, value } of mutations) {
            const index = at % (bytes.length + 1)
            if (op === 'set' && index < bytes.length) bytes[index] = value
            else if (op === 'insert') bytes.splice(index, 0, value)
            else if (op === 'delete') bytes.splice(index, 1)
          }
          feed(updateFrame(Uint8Array.from(bytes)))
        },
      ),
      { seed: SEED, numRuns: RUNS },
    )
    roomStillHealthy()
    await room.flush()
    const replayed = new Y.Doc()
    for (const entry of (await store.load('fuzzed' as never)).entries) {
      expect(() => Y.decodeUpdate(entry.update)).not.toThrow()
      Y.applyUpdate(replayed, entry.update)
    }
    expect(Y.encodeStateVector(replayed)).toEqual(Y.encodeStateVector(room.doc))
    expect(replayed.getText('t').toString()).toBe(room.doc.getText('t').toString())
  })

  it.each(Object.entries(HOSTILE_UPDATES))('rejects the known hostile update %s quickly', (_name, update) => {
    feed(updateFrame(update, 2))
    feed(updateFrame(update, 1))
    roomStillHealthy()
  })

  it.each(Object.entries(HOSTILE_FRAMES))('rejects the known hostile frame %s quickly', (_name, frame) => {
    feed(frame)
    roomStillHealthy()
  })
})
