import pg from 'pg'
import WebSocket from 'ws'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { AckingWriter } from '../helpers/acking-writer.js'
import { waitFor } from '../helpers/wait-for.js'
import { fallbackClient, type FallbackClient } from '../nginx/fallback-clients.js'
import { startClusterNginx, UPSTREAM_HEADER, upstreamPort, type ClusterNginx } from './helpers/cluster-nginx.js'
import { Cluster, connectedPort, trackedClient, type TrackedClient } from './helpers/cluster.js'

/**
 * Three real instances (`tandem serve` child processes) on one fresh PostgreSQL database and a
 * Redis of the test's own, behind a real nginx running the configs committed in docs/nginx.
 */
describe('several instances behind nginx (PostgreSQL + Redis)', () => {
  let cluster: Cluster
  let roundRobin: ClusterNginx
  let docHash: ClusterNginx
  const cleanups: (() => void)[] = []

  beforeAll(async () => {
    cluster = await Cluster.start(3)
    ;[roundRobin, docHash] = await Promise.all([
      startClusterNginx('cluster-round-robin.conf', cluster.ports),
      startClusterNginx('cluster-doc-hash.conf', cluster.ports),
    ])
  }, 150_000)
  afterAll(async () => {
    await Promise.all([roundRobin?.stop(), docHash?.stop()])
    await cluster?.stop()
  }, 30_000)
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup()
  })

  function client(wsUrl: string, docId: string): TrackedClient {
    const c = trackedClient(wsUrl, docId)
    cleanups.push(c.destroy)
    return c
  }
  function direct(index: number, docId: string): TrackedClient {
    return client(cluster.instance(index).wsUrl, docId)
  }
  function sseClient(docId: string): FallbackClient {
    const c = fallbackClient(roundRobin.httpUrl, docId, { ladder: ['sse'] })
    cleanups.push(c.destroy)
    return c
  }
  function writer(wsUrl: string, docId: string, name: string): AckingWriter {
    const w = new AckingWriter(wsUrl, docId, name)
    cleanups.push(() => w.stop())
    return w
  }
  /** Connects through round-robin nginx until one client lands on instance `index` (bounded). */
  async function clientsCovering(index: number, docId: string): Promise<TrackedClient[]> {
    const clients: TrackedClient[] = []
    for (let i = 0; i < 6; i++) {
      const c = client(roundRobin.wsUrl, docId)
      clients.push(c)
      if (cluster.indexOfPort(await connectedPort(c)) === index) return clients
    }
    throw new Error(`no round-robin connection reached instance ${index}`)
  }
  // Writers and typists stay under the server's per-connection rate limit (50 messages/s), which
  // would otherwise throttle them and slow every acknowledgement down.

  /** Starts typing one character every `intervalMs` at the end of the text; returns the stopper. */
  function typeContinuously(c: TrackedClient, char: string, intervalMs: number): () => void {
    const timer = setInterval(() => c.text.insert(c.text.length, char), intervalMs)
    return () => clearInterval(timer)
  }
  const markerKeys = (c: { doc: import('yjs').Doc }) => new Set(c.doc.getMap('markers').keys())

  it('converges clients on different instances and transports (WebSocket and SSE) editing concurrently', async () => {
    const docId = 'concurrent'
    const ws = [direct(0, docId), direct(1, docId), direct(2, docId), client(roundRobin.wsUrl, docId)]
    // The SSE stream and each POST go through round robin: they land on different instances.
    const sse = sseClient(docId)
    await Promise.all(ws.map((c) => connectedPort(c)))
    await waitFor(() => sse.socket()?.transport === 'sse' && sse.provider.synced, { description: 'SSE client synced' })
    for (let round = 0; round < 10; round++) {
      ws.forEach((c, i) => c.text.insert(0, `${i}`))
      sse.text.insert(sse.text.length, 's')
    }
    const all = [...ws.map((c) => c.text), sse.text]
    await waitFor(() => all.every((t) => t.length === 50 && t.toString() === all[0]!.toString()), {
      timeoutMs: 15_000,
      description: 'all five replicas equal',
    })
    await waitFor(async () => (await cluster.storedDoc(docId)).getText('t').toString() === all[0]!.toString(), {
      description: 'stored document equal',
    })

    ws[0]!.provider.awareness.setLocalStateField('user', { name: 'Alice' })
    sse.provider.awareness.setLocalStateField('user', { name: 'Sam' })
    const seesBoth = (awareness: { getStates(): Map<number, Record<string, unknown>> }) => {
      const names = [...awareness.getStates().values()].map((s) => (s.user as { name?: string } | undefined)?.name)
      return names.includes('Alice') && names.includes('Sam')
    }
    await waitFor(() => [...ws.slice(1), sse].every((c) => seesBoth(c.provider.awareness)), {
      timeoutMs: 10_000,
      description: 'presence of Alice (instance 0) and Sam (SSE) seen everywhere',
    })
  })

  it('R-DURABLE: loses no acknowledged update when an instance is SIGKILLed mid-edit; its clients move to another', async () => {
    const docId = 'sigkill'
    const victim = 0
    const onVictim = await clientsCovering(victim, docId)
    const survivor = direct(1, docId)
    const writers = [0, 1, 2].map((i) => writer(cluster.instance(i).wsUrl, docId, `w${i}`))
    await Promise.all(writers.map((w) => w.opened()))
    writers.forEach((w) => w.start(25))
    const stopTyping = onVictim.map((c, i) => typeContinuously(c, `${i}`, 30))
    await waitFor(() => writers[victim]!.acked.size >= 20, { timeoutMs: 15_000, description: 'victim acked writes' })

    await cluster.kill(victim)
    const moved = onVictim.at(-1)!
    await waitFor(() => moved.upstreams.length >= 2 && moved.provider.synced, {
      timeoutMs: 15_000,
      description: 'the victim’s client reconnected through nginx',
    })
    expect(cluster.indexOfPort(moved.upstreams.at(-1)!)).not.toBe(victim)
    // Writing goes on elsewhere after the crash.
    const after = writer(roundRobin.wsUrl, docId, 'after')
    await after.opened()
    after.start(25)
    await waitFor(() => after.acked.size >= 10, { timeoutMs: 15_000, description: 'writes acked after the crash' })
    writers.forEach((w) => w.stop())
    after.stop()
    stopTyping.forEach((stop) => stop())

    const acked = [...writers, after].flatMap((w) => [...w.acked])
    expect(acked.length).toBeGreaterThan(40)
    const stored = await cluster.storedDoc(docId)
    expect(acked.filter((key) => !stored.getMap('markers').has(key))).toEqual([])
    await cluster.startInstance(victim)
    const checkers = [0, 1, 2].map((i) => direct(i, docId))
    const replicas = [...onVictim, survivor, ...checkers]
    const missing = () => replicas.map((c) => acked.filter((key) => !markerKeys(c).has(key)).length)
    await waitFor(() => replicas.every((c) => c.provider.synced) && missing().every((n) => n === 0), {
      timeoutMs: 15_000,
      description: 'every acked marker in every replica',
    }).catch((error: Error) => {
      const synced = replicas.map((c) => c.provider.synced)
      throw new Error(`${error.message}; missing per replica: ${missing().join(', ')}; synced: ${synced.join(', ')}`)
    })
    await waitFor(() => replicas.every((c) => c.text.toString() === replicas[0]!.text.toString()), {
      description: 'replicas converge',
    })
  }, 90_000)

  it('R-SUBSCRIBE: resumes fan-out after Redis restarts mid-edit, and every replica reconverges without a reload', async () => {
    const docId = 'redis-restart'
    const clients = [direct(0, docId), direct(1, docId), direct(2, docId)]
    await Promise.all(clients.map((c) => connectedPort(c)))
    const stops = clients.map((c, i) => typeContinuously(c, `${i}`, 30))
    await waitFor(() => clients.every((c) => c.text.length >= 30), { description: 'typing under way' })

    await cluster.redis.kill()
    // Degraded, not unready: failing readiness everywhere at once would let a balancer take the
    // whole service down although every instance still serves its clients and commits their writes.
    await waitFor(
      async () =>
        (await Promise.all([0, 1, 2].map((i) => cluster.readiness(i)))).every(
          (r) => r.code === 200 && r.status === 'warn',
        ),
      {
        timeoutMs: 10_000,
        description: 'every instance reports Redis down (200, status warn)',
      },
    )
    // Typing goes on during the outage; each instance's clients only see their own instance's edits.
    const lengths = clients.map((c) => c.text.length)
    await waitFor(() => clients.every((c, i) => c.text.length >= lengths[i]! + 15), {
      description: 'edits during outage',
    })

    await cluster.redis.restart()
    await waitFor(
      async () =>
        (await Promise.all([0, 1, 2].map((i) => cluster.readiness(i)))).every(
          (r) => r.code === 200 && r.status === 'pass',
        ),
      {
        timeoutMs: 10_000,
        description: 'every instance passes again',
      },
    )
    stops.forEach((stop) => stop())
    await waitFor(() => clients.every((c) => c.text.toString() === clients[0]!.text.toString()), {
      timeoutMs: 10_000,
      description: 'replicas reconverged',
    })
    clients[0]!.text.insert(0, 'after-restart ')
    await waitFor(() => clients.every((c) => c.text.toString().startsWith('after-restart ')), {
      description: 'fan-out resumed',
    })
    // Without a reload: each client kept its one connection throughout.
    expect(clients.map((c) => c.upstreams.length)).toEqual([1, 1, 1])
    // Fan-out happens when an update is applied, before its commit (the acknowledgement is the
    // durability point, and stock y-websocket clients do not see it), so storage catches up shortly.
    const expected = clients[0]!.text.toString()
    let stored = ''
    await waitFor(
      async () => {
        stored = (await cluster.storedDoc(docId)).getText('t').toString()
        return stored === expected
      },
      { timeoutMs: 5_000, intervalMs: 100, description: 'the stored document equals the replicas' },
    ).catch((error: Error) => {
      throw new Error(`${error.message}; stored ${JSON.stringify(stored)}, replicas ${JSON.stringify(expected)}`)
    })
  }, 90_000)

  it('drains an instance on SIGTERM: readyz 503, clients closed with 1012 move elsewhere, nothing lost', async () => {
    const docId = 'rolling-deploy'
    const draining = 1
    const onDraining = await clientsCovering(draining, docId)
    const w = writer(cluster.instance(draining).wsUrl, docId, 'deploy')
    await w.opened()
    w.start(25)
    await waitFor(() => w.acked.size >= 10, { description: 'writes acked before the deploy' })
    // Block appends so commits in flight stay in flight: the drain must wait for them, which keeps
    // the draining window open long enough to observe. The whole table, not the document's row: a
    // commit touches that row at most once a second, so most commits would slip past a row lock
    // and the drain could finish before readyz was ever asked.
    const locker = new pg.Client({ connectionString: cluster.database.url })
    await locker.connect()
    try {
      await locker.query('BEGIN')
      await locker.query('LOCK TABLE updates IN SHARE MODE')
      const ackedBeforeLock = w.acked.size
      await waitFor(() => w.sentCount > ackedBeforeLock + 3, { description: 'writes pending behind the lock' })
      const exit = cluster.instance(draining).exited
      cluster.instance(draining).process.kill('SIGTERM')
      await waitFor(async () => (await cluster.readyStatus(draining)) === 503, {
        description: 'readyz 503 while draining',
      })
      await waitFor(() => onDraining.at(-1)!.closeCodes.includes(1012), { description: 'client closed with 1012' })
      await locker.query('COMMIT')
      expect((await exit).code).toBe(0)
      cluster.instances[draining] = null
    } finally {
      await locker.end()
    }
    w.stop()
    const moved = onDraining.at(-1)!
    await waitFor(() => moved.provider.synced && moved.upstreams.length >= 2, {
      timeoutMs: 15_000,
      description: 'the drained client reconnected',
    })
    expect(cluster.indexOfPort(moved.upstreams.at(-1)!)).not.toBe(draining)
    const acked = [...w.acked]
    const stored = await cluster.storedDoc(docId)
    expect(acked.filter((key) => !stored.getMap('markers').has(key))).toEqual([])
    // Everything the writer sent before the drain began committed (the drain flushed it), acked or not.
    await waitFor(() => onDraining.every((c) => acked.every((key) => markerKeys(c).has(key))), {
      description: 'acked markers in every client',
    })
    await cluster.startInstance(draining)
  }, 90_000)

  it('routes each document to one instance with document-hash affinity, and stays correct across instances', async () => {
    const docIds = Array.from({ length: 12 }, (_, i) => `affinity-${i}`)
    const upstreamOf = async (docId: string): Promise<number> => {
      const ws = new WebSocket(`${docHash.wsUrl}/${docId}`)
      const port = await new Promise<number>((resolve, reject) => {
        ws.once('upgrade', (response) => resolve(upstreamPort(response.headers[UPSTREAM_HEADER])!))
        ws.once('error', reject)
      })
      ws.terminate()
      return port
    }
    const placements = new Map<string, number>()
    for (const docId of docIds) placements.set(docId, await upstreamOf(docId))
    for (const docId of docIds) expect(await upstreamOf(docId)).toBe(placements.get(docId))
    // REST calls for a document hash like its WebSocket (the map extracts the id from both paths).
    for (const docId of docIds.slice(0, 4)) {
      const response = await fetch(`${docHash.httpUrl}/api/docs/${docId}`)
      await response.body?.cancel()
      expect(upstreamPort(response.headers.get(UPSTREAM_HEADER))).toBe(placements.get(docId))
    }
    expect(new Set(placements.values()).size).toBeGreaterThan(1)

    // Affinity is an optimisation only: a client on another instance still converges.
    const docId = docIds[0]!
    const home = cluster.indexOfPort(placements.get(docId)!)
    const viaHash = client(docHash.wsUrl, docId)
    const elsewhere = direct((home + 1) % 3, docId)
    expect(cluster.indexOfPort(await connectedPort(viaHash))).toBe(home)
    await connectedPort(elsewhere)
    viaHash.text.insert(0, 'from the home instance; ')
    elsewhere.text.insert(0, 'from another instance; ')
    await waitFor(() => viaHash.text.length > 40 && viaHash.text.toString() === elsewhere.text.toString(), {
      description: 'converged across instances',
    })
  })
})
