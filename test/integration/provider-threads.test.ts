import http from 'node:http'
import net from 'node:net'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket, { WebSocketServer } from 'ws'
import type { SyncStatus } from '../../client/provider/sync-status.js'
import type { ThreadStore } from '../../client/comments/thread-store.js'
import type { Thread } from '../../shared/comments.js'
import { MessageType } from '../../shared/protocol/message-type.js'
import { threadFrame } from '../../shared/protocol/thread-frame.js'
import { TransportKind } from '../../shared/protocol/transport-kind.js'
import { startServer, type RunningServer } from '../helpers/test-server.js'
import { waitFor } from '../helpers/wait-for.js'

/**
 * `threads: true` on the provider: `?threads=1` on every request of every transport rung (so the
 * server knows to push Threads frames there), and the frames that arrive land in `provider.threads`.
 */

// The provider's WebSocket rung uses the global WebSocket, as in a browser.
;(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket

/** The part of TandemProvider these tests use. */
interface ThreadsProvider {
  readonly threads: ThreadStore | null
  readonly doc: { getText(name: string): { insert(index: number, text: string): void } }
  getStatus(): SyncStatus
  destroy(): void
}
interface ThreadsProviderOptions {
  docId: string
  serverUrl: string
  transport?: TransportKind
  offline: false
  crossTab: false
  presence: 'off'
  threads?: boolean
}
// Imported by path at run time: the test tsconfig has no DOM types, and the provider's module needs them.
const PROVIDER_MODULE = '../../client/provider/tandem-provider.js'
let TandemProvider: new (options: ThreadsProviderOptions) => ThreadsProvider
beforeAll(async () => {
  ;({ TandemProvider } = (await import(PROVIDER_MODULE)) as { TandemProvider: typeof TandemProvider })
})

/** A pass-through proxy in front of `target` that records the path and query of every request. */
async function startRecordingProxy(target: number): Promise<{ url: string; paths: string[]; close(): Promise<void> }> {
  const paths: string[] = []
  const sockets = new Set<net.Socket>()
  const server = http.createServer((request, response) => {
    paths.push(request.url ?? '')
    const upstream = http.request(
      { host: '127.0.0.1', port: target, method: request.method, path: request.url, headers: request.headers },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(response)
      },
    )
    upstream.on('error', () => response.destroy())
    request.pipe(upstream)
  })
  server.on('upgrade', (request: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    paths.push(request.url ?? '')
    const upstream = net.connect(target, '127.0.0.1', () => {
      const headers = Object.entries(request.headers).map(([name, value]) => `${name}: ${String(value)}`)
      upstream.write(`${request.method} ${request.url} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`)
      upstream.write(head)
      client.pipe(upstream).pipe(client)
    })
    for (const socket of [client, upstream]) {
      sockets.add(socket)
      socket.on('error', () => undefined)
      socket.on('close', () => {
        client.destroy()
        upstream.destroy()
      })
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    paths,
    close: async () => {
      for (const socket of sockets) socket.destroy()
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

function thread(id: string, updatedAt: string): Thread {
  return {
    id,
    status: 'open',
    quote: 'quoted',
    anchor: null,
    comments: [],
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt,
  }
}

describe('provider option threads', () => {
  let server: RunningServer
  let proxy: Awaited<ReturnType<typeof startRecordingProxy>>

  beforeAll(async () => {
    server = await startServer()
    proxy = await startRecordingProxy(server.port)
  })

  afterAll(async () => {
    await proxy.close()
    await server.close()
  })

  for (const transport of [TransportKind.WebSocket, TransportKind.ServerSentEvents, TransportKind.LongPoll]) {
    it(`asks for threads on every ${transport} request, and syncs as before`, async () => {
      const docId = `threads-${transport}`
      const provider = new TandemProvider({
        docId,
        serverUrl: proxy.url,
        transport,
        offline: false,
        crossTab: false,
        presence: 'off',
        threads: true,
      })
      try {
        provider.doc.getText('t').insert(0, 'hello')
        await waitFor(() => provider.getStatus().state === 'saved', { description: `saved over ${transport}` })
        const syncPaths = proxy.paths.filter((path) => path.startsWith(`/collab/${docId}`))
        expect(syncPaths.length).toBeGreaterThan(0)
        for (const path of syncPaths) expect(new URL(path, 'http://x').searchParams.get('threads')).toBe('1')
      } finally {
        provider.destroy()
      }
    })
  }

  it('leaves threads out when not asked: no query parameter, no store', async () => {
    const docId = 'threads-off'
    const provider = new TandemProvider({
      docId,
      serverUrl: proxy.url,
      offline: false,
      crossTab: false,
      presence: 'off',
    })
    try {
      await waitFor(() => provider.getStatus().isSynced, { description: 'synced' })
      expect(provider.threads).toBeNull()
      for (const path of proxy.paths.filter((p) => p.startsWith(`/collab/${docId}`))) {
        expect(new URL(path, 'http://x').searchParams.has('threads')).toBe(false)
      }
    } finally {
      provider.destroy()
    }
  })
})

describe('Threads frames into provider.threads', () => {
  let wss: WebSocketServer
  let url: string
  const connections: WebSocket[] = []

  beforeAll(async () => {
    wss = new WebSocketServer({ port: 0, host: '127.0.0.1' })
    await new Promise((resolve) => wss.once('listening', resolve))
    url = `http://127.0.0.1:${(wss.address() as AddressInfo).port}`
    wss.on('connection', (socket) => connections.push(socket))
  })

  afterAll(async () => {
    for (const socket of connections) socket.terminate()
    await new Promise((resolve) => wss.close(resolve))
  })

  it('applies snapshot, upsert and delete as they arrive, ignores stale ones and malformed frames', async () => {
    const provider = new TandemProvider({
      docId: 'frames',
      serverUrl: url,
      transport: TransportKind.WebSocket,
      offline: false,
      crossTab: false,
      presence: 'off',
      threads: true,
    })
    const store = provider.threads
    if (!store) throw new Error('threads: true must give a store')
    try {
      const socket = await waitFor(() => connections.at(-1), { description: 'a connection' })
      socket.send(threadFrame({ kind: 'snapshot', threads: [thread('a', '2026-01-01T00:00:01.000Z')] }))
      await waitFor(() => store.isLoaded)
      expect(store.getThreads().map((t) => t.id)).toEqual(['a'])

      socket.send(threadFrame({ kind: 'upsert', thread: thread('b', '2026-01-01T00:00:02.000Z') }))
      socket.send(new Uint8Array([MessageType.Threads, 3, 0x7b, 0x7b, 0x7b])) // "{{{": dropped, nothing breaks
      socket.send(
        threadFrame({ kind: 'upsert', thread: { ...thread('a', '2026-01-01T00:00:00.000Z'), quote: 'stale' } }),
      )
      socket.send(threadFrame({ kind: 'delete', threadId: 'b' }))
      socket.send(threadFrame({ kind: 'upsert', thread: thread('c', '2026-01-01T00:00:03.000Z') }))
      await waitFor(() => store.get('c'))
      expect(store.getThreads().map((t) => t.id)).toEqual(['a', 'c'])
      expect(store.get('a')?.quote).toBe('quoted')

      // A reconnect brings a fresh snapshot: the store becomes exactly that.
      socket.terminate()
      const next = await waitFor(() => (connections.at(-1) !== socket ? connections.at(-1) : undefined), {
        description: 'a reconnect',
      })
      next.send(threadFrame({ kind: 'snapshot', threads: [thread('c', '2026-01-01T00:00:03.000Z')] }))
      await waitFor(() => store.getThreads().length === 1)
      expect(store.get('c')).toBeDefined()
    } finally {
      provider.destroy()
    }
  })
})
