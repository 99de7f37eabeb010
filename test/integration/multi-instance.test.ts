import * as Y from 'yjs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { MemoryPubSubHub, type MemoryPubSub } from '../../server/pubsub/local-pubsub.js'
import { MemoryDocStore } from '../../server/storage/memory/memory-doc-store.js'
import { stockProvider, synced } from '../helpers/clients.js'
import { startServer, type RunningServer } from '../helpers/test-server.js'
import { waitFor } from '../helpers/wait-for.js'

/**
 * Two instances sharing storage and a pub/sub bus, as with PostgreSQL and Redis. The in-memory
 * bus keeps these tests about the room's behaviour; Redis itself is tested separately.
 */
describe('several instances sharing storage and pub/sub', () => {
  let store: MemoryDocStore
  let hub: MemoryPubSubHub
  let buses: MemoryPubSub[]
  let servers: RunningServer[]
  const cleanups: (() => void)[] = []

  beforeEach(async () => {
    store = new MemoryDocStore()
    hub = new MemoryPubSubHub()
    buses = [hub.connect(), hub.connect()]
    servers = await Promise.all(buses.map((pubsub) => startServer({ store, pubsub })))
  })
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) cleanup()
    await Promise.all(servers.map((s) => s.close()))
  })

  function client(server: RunningServer, docId: string) {
    const c = stockProvider(server.wsUrl, docId)
    cleanups.push(c.destroy)
    return c
  }

  it('converges clients on different instances editing concurrently', async () => {
    const alice = client(servers[0]!, 'shared')
    const bob = client(servers[1]!, 'shared')
    await Promise.all([synced(alice.provider), synced(bob.provider)])
    for (let i = 0; i < 10; i++) {
      alice.text.insert(0, 'a')
      bob.text.insert(bob.text.length, 'b')
    }
    await waitFor(() => alice.text.length === 20 && bob.text.toString() === alice.text.toString(), {
      description: 'both instances converge',
    })
    // Each update is stored once, by the instance that received it (a turn's updates in one row),
    // and never again by the instance that merely relayed it.
    await waitFor(async () => {
      const stored = new Y.Doc()
      for (const entry of (await store.load('shared' as never)).entries) Y.applyUpdate(stored, entry.update)
      return stored.getText('t').toString() === alice.text.toString()
    })
    const rows = (await store.load('shared' as never)).entries.length
    expect(rows).toBeGreaterThanOrEqual(2)
    expect(rows).toBeLessThanOrEqual(20)
  })

  it('carries presence across instances and removes it when the client leaves', async () => {
    const alice = client(servers[0]!, 'presence')
    const bob = client(servers[1]!, 'presence')
    await Promise.all([synced(alice.provider), synced(bob.provider)])
    alice.provider.awareness.setLocalStateField('user', { name: 'Alice' })
    await waitFor(() => bob.provider.awareness.getStates().get(alice.doc.clientID)?.user?.name === 'Alice')
    alice.provider.disconnect()
    await waitFor(() => !bob.provider.awareness.getStates().has(alice.doc.clientID), { timeoutMs: 3_000 })
  })

  it('R-SUBSCRIBE: catches up from storage after a pub/sub gap, without a reload', async () => {
    const alice = client(servers[0]!, 'gap')
    const bob = client(servers[1]!, 'gap')
    await Promise.all([synced(alice.provider), synced(bob.provider)])
    buses[1]!.disconnect()
    alice.text.insert(0, 'written during the outage')
    await waitFor(async () => (await store.load('gap' as never)).entries.length === 1)
    expect(bob.text.toString()).toBe('')
    buses[1]!.reconnect()
    await waitFor(() => bob.text.toString() === 'written during the outage', { description: 'bob caught up' })
  })

  it('R-SUBSCRIBE: loses nothing published while a room is loading', async () => {
    const alice = client(servers[0]!, 'racing')
    await synced(alice.provider)
    // Bob's instance loads the room while Alice keeps typing.
    const bob = client(servers[1]!, 'racing')
    for (let i = 0; i < 30; i++) alice.text.insert(alice.text.length, `${i % 10}`)
    await waitFor(() => bob.text.toString() === alice.text.toString() && bob.text.length === 30)
  })
})
