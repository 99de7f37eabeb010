import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { createRedisPubSub, type RedisPubSub } from '../../server/pubsub/redis-pubsub.js'
import { PubSubMessageKind } from '../../server/pubsub/pubsub.js'
import { MemoryDocStore } from '../../server/storage/memory/memory-doc-store.js'
import { MessageType } from '../../shared/protocol/message-type.js'
import { TestRedis } from '../cluster/helpers/redis-server.js'
import { stockProvider, synced } from '../helpers/clients.js'
import { errorLogs, startServer, type RunningServer } from '../helpers/test-server.js'
import { waitFor } from '../helpers/wait-for.js'

// Tandem's provider uses the global WebSocket, as in a browser.
;(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket

/** The part of TandemProvider this test uses. */
interface PresenceSource {
  readonly awareness: import('y-protocols/awareness').Awareness
  readonly doc: import('yjs').Doc
  getStatus(): { isSynced: boolean }
  destroy(): void
}
interface PresenceSourceOptions {
  docId: string
  serverUrl: string
  transport: 'websocket'
  presence: 'server'
  offline: false
  crossTab: false
}
// Imported by path at run time: the test tsconfig has no DOM types, and the provider's module needs them.
const PROVIDER_MODULE = '../../client/provider/tandem-provider.js'

const CLIENTS = 20
const MOVES = 30

type Client = ReturnType<typeof stockProvider> & { awarenessFrames: number }

/** A stock y-websocket client that counts the awareness frames it receives. */
function countingClient(server: RunningServer, docId: string): Client {
  const client = { ...stockProvider(server.wsUrl, docId), awarenessFrames: 0 }
  const handler = client.provider.messageHandlers[MessageType.Awareness]!
  client.provider.messageHandlers[MessageType.Awareness] = (...args) => {
    client.awarenessFrames++
    handler(...args)
  }
  return client
}

const turn = () => new Promise((resolve) => setImmediate(resolve))

// A stock client's first state ({} at clock 0) is not news to anyone: presence shows from the first move.

/** Every client moves its cursor MOVES times, as fast as the event loop lets it. */
async function storm(clients: Client[]): Promise<void> {
  for (let move = 0; move < MOVES; move++) {
    for (const client of clients) client.provider.awareness.setLocalStateField('cursor', move)
    await turn()
  }
}

function holdsEveryFinalCursor(clients: Client[]): boolean {
  return clients.every((viewer) =>
    clients.every(
      (other) =>
        other === viewer || viewer.provider.awareness.getStates().get(other.doc.clientID)?.cursor === MOVES - 1,
    ),
  )
}

describe('presence storm: 20 stock clients moving their cursors fast', () => {
  const cleanups: (() => void)[] = []
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup()
  })

  it('each receives far fewer awareness frames than changes sent, converges, and sees a leaver removed', async () => {
    const server = await startServer()
    try {
      const clients = Array.from({ length: CLIENTS }, () => countingClient(server, 'storm'))
      for (const client of clients) cleanups.push(client.destroy)
      await Promise.all(clients.map((client) => synced(client.provider)))
      for (const client of clients) client.awarenessFrames = 0
      await storm(clients)
      await waitFor(() => holdsEveryFinalCursor(clients), { description: 'every final cursor everywhere' })
      // Uncoalesced, each client would get one frame per change of the 19 others: 570.
      const othersChanges = (CLIENTS - 1) * MOVES
      for (const client of clients) expect(client.awarenessFrames).toBeLessThan(othersChanges / 4)

      const [leaver, ...stayers] = clients as [Client, ...Client[]]
      leaver.destroy()
      await waitFor(() => stayers.every((c) => !c.provider.awareness.getStates().has(leaver.doc.clientID)), {
        description: 'the leaver is removed everywhere',
      })
      expect(errorLogs(server.logs)).toEqual([])
    } finally {
      await server.close()
    }
  })

  it("Tandem's provider sends a burst of cursor moves as a couple of frames, and echoes nothing", async () => {
    const { TandemProvider } = (await import(PROVIDER_MODULE)) as {
      TandemProvider: new (options: PresenceSourceOptions) => PresenceSource
    }
    const server = await startServer()
    const alice = new TandemProvider({
      docId: 'tandem-client',
      serverUrl: server.httpUrl,
      transport: 'websocket',
      presence: 'server',
      offline: false,
      crossTab: false,
    })
    try {
      const bob = countingClient(server, 'tandem-client')
      cleanups.push(bob.destroy)
      await Promise.all([waitFor(() => alice.getStatus().isSynced), synced(bob.provider)])
      bob.provider.awareness.setLocalStateField('cursor', 'bob')
      await waitFor(() => alice.awareness.getStates().get(bob.doc.clientID)?.cursor === 'bob')
      const awarenessIn = async () =>
        (await server.server.metrics.awarenessFrames.get()).values.find((v) => v.labels.direction === 'in')?.value ?? 0
      const before = await awarenessIn()
      for (let move = 0; move < MOVES; move++) {
        alice.awareness.setLocalStateField('cursor', move)
        await turn()
      }
      await waitFor(() => bob.provider.awareness.getStates().get(alice.doc.clientID)?.cursor === MOVES - 1)
      // Alice: the first move at once, the rest at the end of the tick(s); bob echoes what he gets.
      expect((await awarenessIn()) - before).toBeLessThanOrEqual(8)
      expect(bob.awarenessFrames).toBeLessThanOrEqual(6)
    } finally {
      alice.destroy()
      await server.close()
    }
  })

  describe('on two instances joined by Redis', () => {
    let redis: TestRedis
    beforeAll(async () => {
      redis = await TestRedis.start()
    })
    afterAll(async () => {
      await redis.stop()
    })

    it('converges, publishing at most one awareness message per tick per instance', async () => {
      const store = new MemoryDocStore()
      const buses: RedisPubSub[] = []
      const published = [0, 0]
      const servers = await Promise.all(
        [0, 1].map(async (index) => {
          const pubsub = await createRedisPubSub({ url: redis.url })
          const publish = pubsub.publish.bind(pubsub)
          pubsub.publish = (docId, message) => {
            if (message.kind === PubSubMessageKind.Awareness) published[index]!++
            publish(docId, message)
          }
          buses.push(pubsub)
          return startServer({ store, pubsub })
        }),
      )
      try {
        const clients = Array.from({ length: CLIENTS }, (_, i) => countingClient(servers[i % 2]!, 'storm-redis'))
        for (const client of clients) cleanups.push(client.destroy)
        await Promise.all(clients.map((client) => synced(client.provider)))
        published[0] = published[1] = 0
        await storm(clients)
        await waitFor(() => holdsEveryFinalCursor(clients), { description: 'every final cursor on both instances' })
        // Ten clients per instance, MOVES each: 300 changes per instance, published in a few ticks.
        for (const count of published) expect(count).toBeLessThan(((CLIENTS / 2) * MOVES) / 10)

        const [leaver, ...stayers] = clients as [Client, ...Client[]]
        leaver.destroy()
        await waitFor(() => stayers.every((c) => !c.provider.awareness.getStates().has(leaver.doc.clientID)), {
          description: 'the leaver is removed on both instances',
        })
        for (const server of servers) expect(errorLogs(server.logs)).toEqual([])
      } finally {
        for (const cleanup of cleanups.splice(0)) cleanup()
        await Promise.all(servers.map((s) => s.close()))
      }
    })
  })
})
