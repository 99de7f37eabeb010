import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Redis } from 'ioredis'
import type { DocId } from '../../shared/ids.js'
import { MemoryPubSubHub } from '../../server/pubsub/local-pubsub.js'
import type { PubSub } from '../../server/pubsub/pubsub.js'
import { PubSubMessageKind } from '../../server/pubsub/pubsub.js'
import { createRedisPubSub, RedisPubSub } from '../../server/pubsub/redis-pubsub.js'
import { TestRedis } from '../cluster/helpers/redis-server.js'
import { waitFor } from '../helpers/wait-for.js'
import { runPubSubContract } from './pubsub-contract.js'

runPubSubContract('memory', async () => {
  const hub = new MemoryPubSubHub()
  return { connect: async () => hub.connect(), cleanup: async () => {} }
})

let redis: TestRedis
beforeAll(async () => {
  redis = await TestRedis.start()
})
afterAll(async () => {
  await redis.stop()
})

runPubSubContract('redis', async () => {
  const opened: PubSub[] = []
  return {
    connect: async () => {
      const pubsub = await createRedisPubSub({ url: redis.url })
      opened.push(pubsub)
      return pubsub
    },
    cleanup: async () => {
      await Promise.all(opened.map((p) => p.close()))
    },
  }
})

describe('RedisPubSub across Redis failures', () => {
  const id = (value: string) => value as DocId

  async function pair(): Promise<[RedisPubSub, RedisPubSub, () => Promise<void>]> {
    const a = await createRedisPubSub({ url: redis.url })
    const b = await createRedisPubSub({ url: redis.url })
    return [a, b, () => Promise.all([a.close(), b.close()]).then(() => undefined)]
  }

  it('fails ping and drops publishes while Redis is down; resubscribes and resyncs when it returns', async () => {
    const [a, b, close] = await pair()
    try {
      const received: number[] = []
      let resyncs = 0
      b.onResync(() => resyncs++)
      await b.subscribe(id('outage'), (m) => received.push(m.payload[0]!))
      await redis.kill()
      await waitFor(
        () =>
          a.ping().then(
            () => false,
            () => true,
          ),
        { description: 'ping fails' },
      )
      // Publishing while down returns at once and keeps nothing back for later.
      const cpuBefore = process.cpuUsage()
      for (let i = 0; i < 1_000; i++)
        a.publish(id('outage'), { kind: PubSubMessageKind.Update, payload: new Uint8Array([1]) })
      // publish() is synchronous: the loop returned, so nothing waited for the reconnect. What
      // it cost is CPU time (wall time on a loaded CI machine would also count other processes).
      const cpu = process.cpuUsage(cpuBefore)
      expect((cpu.user + cpu.system) / 1000).toBeLessThan(500)
      await redis.restart()
      await waitFor(() => resyncs > 0, { description: 'resync after reconnect' })
      await waitFor(() => a.ping().then(() => true), { description: 'ping answers again' })
      a.publish(id('outage'), { kind: PubSubMessageKind.Update, payload: new Uint8Array([2]) })
      await waitFor(() => received.includes(2), { description: 'fan-out resumed' })
      expect(received).not.toContain(1)
    } finally {
      await close()
    }
  })

  it('makes the others catch up after it dropped messages they could not notice missing', async () => {
    const [a, b, close] = await pair()
    const admin = new Redis(redis.url)
    try {
      let resyncs = 0
      b.onResync(() => resyncs++)
      await b.subscribe(id('partial'), () => undefined)
      // Only A's publishing connection drops; B stays connected and sees no gap of its own.
      await admin.client('KILL', 'TYPE', 'normal', 'SKIPME', 'yes')
      await waitFor(
        () => {
          a.publish(id('partial'), { kind: PubSubMessageKind.Update, payload: new Uint8Array([1]) })
          return resyncs > 0
        },
        { intervalMs: 5, description: 'B told to catch up' },
      )
    } finally {
      admin.disconnect()
      await close()
    }
  })
})
