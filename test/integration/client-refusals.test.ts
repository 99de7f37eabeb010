import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { createFallbackTransport } from '../../client/transport/fallback-transport.js'
import type { WebSocketLikeClass } from '../../client/transport/websocket-rung.js'
import type { SyncStatus } from '../../client/provider/sync-status.js'
import { mintToken } from '../../server/auth/tokens.js'
import { TransportKind } from '../../shared/protocol/transport-kind.js'
import { MemoryStorage } from '../nginx/fallback-clients.js'
import { startServer, type RunningServer } from '../helpers/test-server.js'
import { waitFor } from '../helpers/wait-for.js'

/**
 * Tandem's own client turns each refusal into the close a page can show, on every transport, and
 * its provider into the `error` state with words that say what to do — never endless `offline`.
 */

// The provider's `auto` transport and the plain WebSocket one use the global WebSocket, as in a browser.
;(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket

const SECRET = 'client-refusals-secret-long-enough-for-hs256'
const APP_ORIGIN = 'https://app.example.com'
const EVIL_ORIGIN = 'https://evil.example'

/** `ws` and fetch sending `Origin` as a page on `origin` would (Node sends none of its own). */
function asPageOn(origin: string) {
  class PageWebSocket extends WebSocket {
    constructor(url: string) {
      super(url, { origin })
    }
  }
  const pageFetch: typeof fetch = (input, init) => {
    const headers = new Headers(init?.headers)
    headers.set('Origin', origin)
    return fetch(input, { ...init, headers })
  }
  return { WebSocket: PageWebSocket as unknown as WebSocketLikeClass, fetch: pageFetch }
}

const LADDERS: { name: string; ladder?: TransportKind[] }[] = [
  { name: 'auto' },
  { name: 'websocket', ladder: [TransportKind.WebSocket] },
  { name: 'sse', ladder: [TransportKind.ServerSentEvents] },
  { name: 'long-poll', ladder: [TransportKind.LongPoll] },
]

/** Opens one socket of the client's transport and resolves with its close. */
function closeOf(url: string, ladder: TransportKind[] | undefined, origin = APP_ORIGIN) {
  const transport = createFallbackTransport({ ladder, storage: new MemoryStorage(), ...asPageOn(origin) })
  const SocketClass = transport.socketClass(() => undefined)
  const socket = new SocketClass(url)
  return new Promise<{ code: number; reason: string; opened: boolean }>((resolve) => {
    let opened = false
    socket.onopen = () => (opened = true)
    socket.onclose = (event: { code: number; reason: string }) =>
      resolve({ code: event.code, reason: event.reason, opened })
  })
}

/** A web server that is not Tandem: every request gets `status` with an HTML page (WebSockets too). */
async function startForeignServer(status: number): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((_request, response) => {
    response.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8' }).end('<!doctype html><p>My app</p>')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

/** The part of TandemProvider these tests use. */
interface StatusSource {
  getStatus(): SyncStatus
  subscribe(listener: () => void): () => void
  destroy(): void
}
interface StatusSourceOptions {
  docId: string
  serverUrl: string
  presence: 'off'
  offline: false
  crossTab: false
}
// Imported by path at run time: the test tsconfig has no DOM types, and the provider's module needs them.
const PROVIDER_MODULE = '../../client/provider/tandem-provider.js'
let TandemProvider: new (options: StatusSourceOptions) => StatusSource

let running: RunningServer
beforeAll(async () => {
  ;({ TandemProvider } = (await import(PROVIDER_MODULE)) as { TandemProvider: typeof TandemProvider })
  running = await startServer({ authSecret: SECRET, allowedOrigins: [APP_ORIGIN] })
})
afterAll(async () => {
  await running.close()
})

const token = (doc: string) => mintToken({ secret: SECRET, doc, role: 'edit' })

describe.each(LADDERS)("the client's $name transport", ({ ladder }) => {
  it('closes with 4403 forbidden-origin when the server refuses the page origin', async () => {
    const closed = await closeOf(`${running.wsUrl}/doc?token=${await token('doc')}`, ladder, EVIL_ORIGIN)
    expect(closed).toEqual({
      code: 4403,
      reason: 'forbidden-origin: origin https://evil.example is not in ALLOWED_ORIGINS',
      opened: false,
    })
  })

  it('closes with 4403 forbidden for a token that covers another document', async () => {
    const closed = await closeOf(`${running.wsUrl}/doc?token=${await token('other')}`, ladder)
    expect(closed.code).toBe(4403)
    expect(closed.reason).toMatch(/^forbidden: /)
  })

  it('closes with 4426 incompatible-protocol when it asks for a version the server does not speak', async () => {
    const closed = await closeOf(`${running.wsUrl}/doc?protocol=2&token=${await token('doc')}`, ladder)
    expect(closed.code).toBe(4426)
    expect(closed.reason).toBe('incompatible-protocol: the client speaks protocol 2, this server 1')
  })
})

describe('a server URL that is not a Tandem server', () => {
  it.each([
    ['404', 404, /^not-tandem-server: HTTP 404 from its sync endpoint$/],
    ['200 with a web page (an app HTML fallback)', 200, /^not-tandem-server: a web page \(HTTP 200\)/],
  ])('is told apart from a server that is down when it answers %s', async (_name, status, reason) => {
    const foreign = await startForeignServer(status)
    try {
      for (const { ladder } of LADDERS.filter((entry) => entry.name !== 'websocket')) {
        const closed = await closeOf(`${foreign.url.replace('http', 'ws')}/collab/doc`, ladder)
        expect(closed.code).toBe(4426)
        expect(closed.reason).toMatch(reason)
      }
    } finally {
      await foreign.close()
    }
  })

  it('is not concluded from a redirect (a captive portal or login proxy in between): that stays transient', async () => {
    const portal = http.createServer((request, response) => {
      if (request.url === '/login') return void response.writeHead(200, { 'Content-Type': 'text/html' }).end('<p>')
      response.writeHead(302, { Location: '/login' }).end()
    })
    await new Promise<void>((resolve) => portal.listen(0, '127.0.0.1', resolve))
    try {
      const port = (portal.address() as AddressInfo).port
      const closed = await closeOf(`ws://127.0.0.1:${port}/collab/doc`, [TransportKind.LongPoll])
      expect(closed.code).toBe(1006)
    } finally {
      portal.closeAllConnections()
      await new Promise((resolve) => portal.close(resolve))
    }
  })
})

describe('TandemProvider status', () => {
  const providers: StatusSource[] = []
  afterAll(() => {
    for (const provider of providers) provider.destroy()
  })

  function provider(options: Partial<ConstructorParameters<typeof TandemProvider>[0]> & { serverUrl: string }) {
    const created = new TandemProvider({
      docId: 'status-doc',
      presence: 'off',
      offline: false,
      crossTab: false,
      ...options,
    })
    providers.push(created)
    const seen: SyncStatus[] = [created.getStatus()]
    created.subscribe(() => seen.push(created.getStatus()))
    return { provider: created, seen }
  }

  it('reaches error, with transport still null, when the very first attempt is refused', async () => {
    const { provider: refused, seen } = provider({ serverUrl: running.httpUrl })
    const status = await waitFor(() => (refused.getStatus().state === 'error' ? refused.getStatus() : null))
    expect(status.error).toMatchObject({ closeCode: 4401, errorCode: 'unauthorized' })
    expect(status.error?.message).toMatch(/needs an access token .* none was given/)
    expect(seen.every((each) => each.transport === null)).toBe(true)
    expect(seen.map((each) => each.state)).not.toContain('offline')
  })

  it('reports the transport only once the server answered on it, and keeps it while offline', async () => {
    const server = await startServer()
    try {
      const { provider: connected, seen } = provider({ serverUrl: server.httpUrl, docId: 'connected-doc' })
      await waitFor(() => connected.getStatus().state === 'saved', { description: 'saved' })
      expect(connected.getStatus().transport).toBe('websocket')
      expect(seen[0]).toMatchObject({ state: 'connecting', transport: null })
      // null until the server answered, then the transport: never a guess in between.
      const transports = seen.map((each) => each.transport).filter((kind, i, all) => i === 0 || kind !== all[i - 1])
      expect(transports).toEqual([null, 'websocket'])
      await server.close()
      await waitFor(() => connected.getStatus().state === 'offline', { description: 'offline' })
      expect(connected.getStatus().transport).toBe('websocket')
    } finally {
      await server.close()
    }
  })

  it('tells an app whose serverUrl is not a Tandem server to check serverUrl', async () => {
    const foreign = await startForeignServer(404)
    try {
      const { provider: misdirected } = provider({ serverUrl: foreign.url, docId: 'misdirected-doc' })
      const status = await waitFor(() => (misdirected.getStatus().state === 'error' ? misdirected.getStatus() : null), {
        timeoutMs: 15_000,
      })
      expect(status.error?.closeCode).toBe(4426)
      expect(status.error?.message).toMatch(new RegExp(`^Check serverUrl: ${foreign.url} did not answer as a Tandem`))
    } finally {
      await foreign.close()
    }
  })
})
