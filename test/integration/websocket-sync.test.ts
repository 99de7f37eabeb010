import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { errorLogs, startServer, type RunningServer } from '../helpers/test-server.js'
import { stockProvider, synced } from '../helpers/clients.js'
import { waitFor } from '../helpers/wait-for.js'

describe('stock y-websocket clients', () => {
  let running: RunningServer
  const cleanups: (() => void)[] = []
  let consoleErrors: unknown[][]

  beforeEach(async () => {
    running = await startServer()
    consoleErrors = []
    vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void consoleErrors.push(args))
  })
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) cleanup()
    await running.close()
    vi.restoreAllMocks()
  })

  function client(docId: string, params?: Record<string, string>) {
    const c = stockProvider(running.wsUrl, docId, { params })
    cleanups.push(c.destroy)
    return c
  }

  it('converges two clients editing concurrently, with no errors logged on either side', async () => {
    const alice = client('shared-doc')
    const bob = client('shared-doc')
    await Promise.all([synced(alice.provider), synced(bob.provider)])
    for (let i = 0; i < 20; i++) {
      alice.text.insert(0, 'a')
      bob.text.insert(bob.text.length, 'b')
    }
    await waitFor(() => alice.text.length === 40 && bob.text.length === 40, { description: 'both have 40 chars' })
    expect(alice.text.toString()).toBe(bob.text.toString())
    expect(errorLogs(running.logs)).toEqual([])
    // "slow update" reports how long an apply took (over 50 ms): on a loaded machine that is the load's doing.
    expect(running.logs.filter((l) => l.level >= 40 && l.msg !== 'slow update')).toEqual([])
    expect(consoleErrors).toEqual([])
  })

  it('carries awareness between clients and removes it when a client leaves', async () => {
    const alice = client('presence')
    const bob = client('presence')
    await Promise.all([synced(alice.provider), synced(bob.provider)])
    alice.provider.awareness.setLocalStateField('user', { name: 'Alice' })
    await waitFor(() => bob.provider.awareness.getStates().get(alice.doc.clientID)?.user?.name === 'Alice', {
      description: 'bob sees alice',
    })
    alice.provider.disconnect()
    await waitFor(() => !bob.provider.awareness.getStates().has(alice.doc.clientID), {
      timeoutMs: 3_000,
      description: 'alice removed from bob at once (not after the 30 s timeout)',
    })
    expect(consoleErrors).toEqual([])
  })

  it('gives a client that joins later the full document', async () => {
    const alice = client('late-join')
    await synced(alice.provider)
    alice.text.insert(0, 'written before bob arrived')
    alice.doc.getMap('m').set('k', 42)
    const bob = client('late-join')
    await waitFor(() => bob.text.toString() === 'written before bob arrived', { description: 'bob has the text' })
    expect(bob.doc.getMap('m').get('k')).toBe(42)
  })

  it('serves a document from storage after its room was unloaded', async () => {
    const alice = client('reloaded')
    await synced(alice.provider)
    alice.text.insert(0, 'persisted')
    await waitFor(async () => (await running.server.store.load('reloaded' as never)).entries.length > 0)
    alice.destroy()
    await waitFor(() => running.server.registry.openCount === 0, { description: 'room unloaded' })
    const bob = client('reloaded')
    await waitFor(() => bob.text.toString() === 'persisted', { description: 'bob loads it from storage' })
  })

  it('keeps documents apart', async () => {
    const one = client('doc-one')
    const two = client('doc-two')
    await Promise.all([synced(one.provider), synced(two.provider)])
    one.text.insert(0, 'only in one')
    const oneAgain = client('doc-one')
    await waitFor(() => oneAgain.text.toString() === 'only in one')
    expect(two.text.toString()).toBe('')
  })

  it('shares one load between clients joining at the same moment', async () => {
    const store = running.server.store
    const seed = new Y.Doc()
    seed.getText('t').insert(0, 'stored')
    await store.append('storm' as never, Y.encodeStateAsUpdate(seed))
    const loadSpy = vi.spyOn(store, 'load')
    const clients = Array.from({ length: 8 }, () => client('storm'))
    await waitFor(() => clients.every((c) => c.text.toString() === 'stored'), { description: 'all loaded' })
    expect(loadSpy).toHaveBeenCalledTimes(1)
  })
})
