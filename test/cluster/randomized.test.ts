import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitFor } from '../helpers/wait-for.js'
import { fallbackClient } from '../nginx/fallback-clients.js'
import { startClusterNginx, type ClusterNginx } from './helpers/cluster-nginx.js'
import { createRandom } from '../../bench/lib/stats.js'
import { Cluster, connectedPort, trackedClient, type TrackedClient } from './helpers/cluster.js'

const SEED = Number(process.env.TANDEM_SEED ?? Math.floor(Math.random() * 2 ** 31))
const STEPS = 80
const CLIENTS = 5

/**
 * The Yjs way: random edits from several clients (WebSocket, and one on SSE + POST), random
 * disconnects, random hops between instances (direct or through nginx), and instances restarting
 * (SIGKILL and SIGTERM); at the end
 * every client, every instance and the stored document must be equal. Rerun a failure with
 * TANDEM_SEED=<seed>.
 */
describe('randomised convergence across two instances', () => {
  let cluster: Cluster
  let nginx: ClusterNginx

  beforeAll(async () => {
    cluster = await Cluster.start(2)
    nginx = await startClusterNginx('cluster-round-robin.conf', cluster.ports)
  }, 150_000)
  afterAll(async () => {
    await nginx?.stop()
    await cluster?.stop()
  }, 30_000)

  it(`converges every client, instance and the store (seed ${SEED})`, async () => {
    console.log(`randomised cluster test seed: ${SEED} (rerun with TANDEM_SEED=${SEED})`)
    const random = createRandom(SEED)
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!
    const docId = `random-${SEED}`
    const targets = () => [nginx.wsUrl, ...cluster.ports.map((port) => `ws://127.0.0.1:${port}/collab`)]
    const clients: TrackedClient[] = Array.from({ length: CLIENTS }, () => trackedClient(pick(targets()), docId))
    // One more replica on SSE + POST through round robin: its stream and its POSTs land on any instance.
    const sse = fallbackClient(nginx.httpUrl, docId, { ladder: ['sse'] })
    const replicas = () => [...clients, sse]
    // One SIGKILL and one SIGTERM at random points, each instance restarted a few steps later.
    const killAt = 10 + Math.floor(random() * 20)
    const terminateAt = 40 + Math.floor(random() * 20)
    const restarts: Promise<unknown>[] = []
    const log: string[] = []
    try {
      for (let step = 0; step < STEPS; step++) {
        const roll = random()
        const index = Math.floor(random() * (CLIENTS + 1))
        const c = replicas()[index]!
        if (step === killAt || step === terminateAt) {
          const victim = Math.floor(random() * cluster.ports.length)
          if (cluster.instances[victim]) {
            log.push(`${step}: ${step === killAt ? 'SIGKILL' : 'SIGTERM'} instance ${victim}`)
            await (step === killAt ? cluster.kill(victim) : cluster.terminate(victim))
            restarts.push(cluster.startInstance(victim))
          }
        } else if (roll < 0.6) {
          const text = c.text
          if (random() < 0.75 || text.length < 5) {
            text.insert(Math.floor(random() * (text.length + 1)), `${index}${'abcdefgh'[step % 8]}`)
          } else {
            const at = Math.floor(random() * (text.length - 2))
            text.delete(at, 1 + Math.floor(random() * 2))
          }
        } else if (roll < 0.72) {
          log.push(`${step}: client ${index} ${c.provider.shouldConnect ? 'disconnects' : 'reconnects'}`)
          if (c.provider.shouldConnect) c.provider.disconnect()
          else c.provider.connect()
        } else if (roll < 0.82 && index < CLIENTS) {
          // Hop: the same replica (with whatever it has not sent yet) moves to another server.
          const target = pick(targets())
          log.push(`${step}: client ${index} hops to ${target}`)
          clients[index]!.destroy()
          clients[index] = trackedClient(target, docId, c.doc)
        }
        // Let the network interleave with the edits; the schedule, not a wait for a result.
        await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 40)))
      }
      await Promise.all(restarts)
      for (const c of replicas()) if (!c.provider.shouldConnect) c.provider.connect()
      await Promise.all(clients.map((c) => connectedPort(c, 'every client reconnected')))
      await waitFor(() => sse.provider.synced, { timeoutMs: 20_000, description: 'SSE client synced' })
      const texts = () => replicas().map((c) => c.text.toString())
      await waitFor(() => new Set(texts()).size === 1, { timeoutMs: 20_000, description: 'clients equal' }).catch(
        (error: Error) => {
          throw new Error(`${error.message}\nseed ${SEED}\n${log.join('\n')}\n${texts().join('\n')}`)
        },
      )
      const final = clients[0]!.text.toString()
      expect(final.length).toBeGreaterThan(0)
      // Every instance serves the same document to a newcomer, and storage holds it too.
      const checkers = cluster.ports.map((port) => trackedClient(`ws://127.0.0.1:${port}/collab`, docId))
      try {
        await Promise.all(checkers.map((c) => connectedPort(c, 'checker synced')))
        await waitFor(() => checkers.every((c) => c.text.toString() === final), {
          description: 'every instance equal',
        })
      } finally {
        checkers.forEach((c) => c.destroy())
      }
      await waitFor(async () => (await cluster.storedDoc(docId)).getText('t').toString() === final, {
        description: 'stored document equal',
      })
    } finally {
      replicas().forEach((c) => c.destroy())
    }
  }, 150_000)
})
