import { spawn } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import WebSocket from 'ws'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import type { DocId } from '../../../shared/ids.js'
import { openPostgresStorage } from '../../../server/storage/postgres/postgres-storage.js'
import type { ChildServer } from '../../helpers/child-server.js'
import { waitFor } from '../../helpers/wait-for.js'
import { UPSTREAM_HEADER, upstreamPort } from './cluster-nginx.js'
import { createTestDatabase, type TestDatabase } from './postgres-database.js'
import { freePort, TestRedis } from './redis-server.js'

/**
 * N real `tandem serve` processes sharing a fresh PostgreSQL database and a Redis of the test's
 * own. Each instance keeps its port across restarts, so a load balancer's config stays valid.
 */
export class Cluster {
  readonly instances: (ChildServer | null)[]

  private constructor(
    readonly database: TestDatabase,
    readonly redis: TestRedis,
    readonly ports: number[],
  ) {
    this.instances = ports.map(() => null)
  }

  static async start(size: number): Promise<Cluster> {
    const [database, redis] = await Promise.all([createTestDatabase(), TestRedis.start()])
    const ports: number[] = []
    for (let i = 0; i < size; i++) ports.push(await freePort())
    const cluster = new Cluster(database, redis, ports)
    try {
      // The first instance migrates the schema alone; the others then start together.
      await cluster.startInstance(0)
      await Promise.all(ports.slice(1).map((_, i) => cluster.startInstance(i + 1)))
    } catch (error) {
      // The caller never gets the cluster to stop: leave no process or database behind.
      await cluster.stop()
      throw error
    }
    return cluster
  }

  async startInstance(index: number): Promise<ChildServer> {
    if (this.instances[index]) throw new Error(`instance ${index} is running`)
    const server = await spawnInstance(this.ports[index]!, {
      DATABASE_URL: this.database.url,
      REDIS_URL: this.redis.url,
      // info: the port is learnt from the "tandem listening" line.
      LOG_LEVEL: 'info',
    })
    this.instances[index] = server
    return server
  }

  instance(index: number): ChildServer {
    const server = this.instances[index]
    if (!server) throw new Error(`instance ${index} is not running`)
    return server
  }

  indexOfPort(port: number | null): number {
    return port === null ? -1 : this.ports.indexOf(port)
  }

  /** SIGKILL: no drain, no flush; whatever was not committed is lost (and was never acknowledged). */
  async kill(index: number): Promise<void> {
    const server = this.instance(index)
    this.instances[index] = null
    server.process.kill('SIGKILL')
    await server.exited
  }

  /** SIGTERM: the rolling-deploy path. Resolves with the exit code. */
  async terminate(index: number): Promise<number | null> {
    const server = this.instance(index)
    server.process.kill('SIGTERM')
    const { code } = await server.exited
    this.instances[index] = null
    return code
  }

  async readyStatus(index: number): Promise<number> {
    const response = await fetch(`${this.instance(index).httpUrl}/readyz`)
    await response.body?.cancel()
    return response.status
  }

  /** `/readyz`'s HTTP status and its `status` field (pass, warn or fail). */
  async readiness(index: number): Promise<{ code: number; status: string }> {
    const response = await fetch(`${this.instance(index).httpUrl}/readyz`)
    const body = (await response.json()) as { status: string }
    return { code: response.status, status: body.status }
  }

  /** The document as stored, read by a fresh store (what a restarted cluster would load). */
  async storedDoc(docId: string): Promise<Y.Doc> {
    const storage = await openPostgresStorage({ connectionString: this.database.url })
    try {
      const doc = new Y.Doc()
      for (const entry of (await storage.docs.load(docId as DocId)).entries) Y.applyUpdate(doc, entry.update)
      return doc
    } finally {
      await storage.close()
    }
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.instances.map(async (server, i) => {
        if (!server) return
        this.instances[i] = null
        server.process.kill('SIGKILL')
        await server.exited
      }),
    )
    await this.redis.stop()
    await this.database.drop()
  }
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
/** Three instances start at once on two shared cores: tsx start-up alone can take over 20 s then. */
const START_TIMEOUT_MS = 60_000

/**
 * test/helpers/child-server.ts `spawnServer` with a longer start-up allowance, and a child that is
 * killed (freeing its fixed port) when it does not come up in time.
 */
async function spawnInstance(port: number, env: Record<string, string>): Promise<ChildServer> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'server/cli.ts'), 'serve', '--port', String(port)],
    { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let output = ''
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  )
  try {
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString()
        if (output.includes('"msg":"tandem listening"')) resolve()
      }
      child.stdout.on('data', onData)
      child.stderr.on('data', onData)
      void exited.then(({ code, signal }) => reject(new Error(`instance exited (${code ?? signal}):\n${output}`)))
      setTimeout(
        () => reject(new Error(`instance did not listen within ${START_TIMEOUT_MS} ms:\n${output}`)),
        START_TIMEOUT_MS,
      ).unref()
    })
  } catch (error) {
    child.kill('SIGKILL')
    await exited
    throw error
  }
  return {
    process: child,
    port,
    httpUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/collab`,
    output: () => output,
    exited,
  }
}

export interface TrackedClient {
  doc: Y.Doc
  text: Y.Text
  markers: Y.Map<unknown>
  provider: WebsocketProvider
  /** Instance port of every connection made, in order (from the nginx test header, or the direct URL). */
  upstreams: number[]
  /** Close codes received from the server, in order. */
  closeCodes: number[]
  destroy(): void
}

/**
 * A stock y-websocket provider (it reconnects on its own, as browsers' do) whose sockets record
 * which instance answered and how each connection was closed. Pass an existing `doc` to move a
 * replica, with any offline edits, to another server.
 */
export function trackedClient(wsUrl: string, docId: string, doc = new Y.Doc()): TrackedClient {
  const upstreams: number[] = []
  const closeCodes: number[] = []
  const direct = /:(\d+)\/collab$/.exec(wsUrl)
  class TrackingWebSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols)
      this.on('upgrade', (response) => {
        const port = upstreamPort(response.headers[UPSTREAM_HEADER]) ?? Number(direct?.[1])
        upstreams.push(port)
      })
      this.on('close', (code) => closeCodes.push(code))
    }
  }
  const provider = new WebsocketProvider(wsUrl, docId, doc, {
    WebSocketPolyfill: TrackingWebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    // Reconnect promptly: the tests wait for convergence, not for backoff.
    maxBackoffTime: 500,
  })
  return {
    doc,
    text: doc.getText('t'),
    markers: doc.getMap('markers'),
    provider,
    upstreams,
    closeCodes,
    destroy: () => provider.destroy(),
  }
}

/** Waits until `client` is connected and synced, and returns the instance port it is on. */
export async function connectedPort(client: TrackedClient, description = 'client synced'): Promise<number> {
  await waitFor(() => client.provider.wsconnected && client.provider.synced, { timeoutMs: 15_000, description })
  return client.upstreams.at(-1)!
}
