import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { clientAddressResolver } from '../../server/http/client-address.js'
import { ConnectionLimiter } from '../../server/http/connection-limiter.js'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { SseParser, type SseEvent } from '../../client/transport/sse-parser.js'
import { OpenAuthenticator } from '../../server/auth/authenticator.js'
import { resolveLimits } from '../../server/server-limits.js'
import type { HttpTransportTimings } from '../../server/transport/http-transport-kit.js'
import { httpTransports } from '../../server/transport/http-transports.js'
import { stockProvider, synced } from '../helpers/clients.js'
import { startServer, type RunningServer } from '../helpers/test-server.js'
import { waitFor } from '../helpers/wait-for.js'
import { fallbackClient, type FallbackClient } from '../nginx/fallback-clients.js'
import { startFaultProxy, type FaultProxy } from '../nginx/fault-proxy.js'

/**
 * Timing behaviour of the HTTP bindings (heartbeats, recycling, session expiry) with short timers:
 * a second HTTP server mounts the bindings with injected timings on the real server's rooms, so
 * WebSocket clients of the real server and HTTP clients here share one document.
 */
describe('HTTP fallback timing', () => {
  let running: RunningServer
  let bindings: http.Server
  let baseUrl: string
  let proxy: FaultProxy | null = null
  const cleanups: (() => void)[] = []

  async function mount(timings: Partial<HttpTransportTimings>): Promise<void> {
    const limits = resolveLimits()
    const transports = httpTransports({
      registry: running.server.registry,
      authenticator: new OpenAuthenticator(),
      limits,
      log: running.server.log,
      metrics: running.server.metrics,
      maxBodyBytes: 16 * 1024 * 1024,
      isDraining: () => false,
      clientAddress: clientAddressResolver(),
      connections: new ConnectionLimiter(limits.maxConnectionsPerAddress),
      timings,
    })
    bindings = http.createServer((request, response) => {
      if (!transports(request, response)) response.writeHead(404).end()
    })
    await new Promise<void>((resolve) => bindings.listen(0, '127.0.0.1', resolve))
    baseUrl = `http://127.0.0.1:${(bindings.address() as AddressInfo).port}`
  }

  beforeEach(async () => {
    running = await startServer()
  })
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) cleanup()
    await proxy?.close()
    proxy = null
    bindings.closeAllConnections()
    await new Promise<void>((resolve) => bindings.close(() => resolve()))
    await running.close()
  })

  function client(base: string, docId: string, options: Parameters<typeof fallbackClient>[2]): FallbackClient {
    const c = fallbackClient(base, docId, options)
    cleanups.push(c.destroy)
    return c
  }
  function direct(docId: string) {
    const c = stockProvider(running.wsUrl, docId)
    cleanups.push(c.destroy)
    return c
  }
  async function type(
    text: { insert(index: number, value: string): void; length: number },
    char: string,
    count: number,
  ) {
    for (let i = 0; i < count; i++) {
      text.insert(text.length, char)
      await new Promise((resolve) => setTimeout(resolve, 15))
    }
  }

  it('sends heartbeats and recycles streams, and the client resumes each time without a resync', async () => {
    await mount({ heartbeatMs: 100, maxStreamLifetimeMs: 500 })
    const response = await fetch(`${baseUrl}/collab/recycle/events?sid=raw-session-0000000001`)
    const events: SseEvent[] = []
    const parser = new SseParser()
    const reader = response.body!.getReader()
    for (let reads = 0; reads < 200 && !events.some((e) => e.event === 'recycle'); reads++) {
      const { done, value } = await reader.read()
      if (done) break
      events.push(...parser.push(value))
    }
    expect(events.filter((e) => e.event === 'ping').length).toBeGreaterThanOrEqual(2)
    expect(events.at(-1)!.event).toBe('recycle')
    expect((await reader.read()).done).toBe(true) // the server ended the stream after `recycle`

    const sse = client(baseUrl, 'recycle', { ladder: ['sse'] })
    const ws = direct('recycle')
    await Promise.all([synced(sse.provider), synced(ws.provider)])
    await Promise.all([type(sse.text, 's', 60), type(ws.text, 'w', 60)])
    await waitFor(() => sse.text.length === 120 && ws.text.length === 120, { description: 'converged' })
    expect(sse.text.toString()).toBe(ws.text.toString())
    expect(running.logs.filter((l) => l.msg === 'http stream resumed').length).toBeGreaterThanOrEqual(1)
    expect(sse.socket()!.stats.resyncs).toBe(0)
  })

  it('resyncs by state vectors when the session expired while the stream was cut', async () => {
    await mount({ idleMs: 1 })
    proxy = await startFaultProxy(Number(new URL(baseUrl).port), 'passthrough')
    const sse = client(proxy.httpUrl, 'expired', { ladder: ['sse'] })
    const ws = direct('expired')
    await Promise.all([synced(sse.provider), synced(ws.provider)])
    const socket = sse.socket()!
    proxy.cutStreams()
    ws.text.insert(0, 'written while the stream was down')
    await waitFor(() => socket.stats.resyncs >= 1, { description: 'a resync' })
    await waitFor(() => sse.text.toString() === 'written while the stream was down', { description: 'gap healed' })
    sse.text.insert(0, '> ')
    await waitFor(() => ws.text.toString() === '> written while the stream was down', { description: 'and back' })
    expect(sse.socket()).toBe(socket)
  })

  it('starts a new long-poll session and resyncs when the old one expired between polls', async () => {
    await mount({ idleMs: 1 })
    const lp = client(baseUrl, 'lp-expired', { ladder: ['long-poll'] })
    const ws = direct('lp-expired')
    await Promise.all([synced(lp.provider), synced(ws.provider)])
    const socket = lp.socket()!
    await Promise.all([type(lp.text, 'l', 40), type(ws.text, 'w', 40)])
    await waitFor(() => lp.text.length === 80 && ws.text.length === 80, { description: 'converged' })
    expect(lp.text.toString()).toBe(ws.text.toString())
    expect(socket.stats.resyncs).toBeGreaterThanOrEqual(1) // polls came back to expired sessions
    expect(lp.socket()).toBe(socket)
    await waitFor(() => socket.updateFramesAcked === socket.updateFramesSent, { description: 'all saved' })
  })

  it('moves from a bursty SSE stream to long-polling without a reconnect, losing nothing', async () => {
    await mount({ heartbeatMs: 100 })
    proxy = await startFaultProxy(Number(new URL(baseUrl).port), 'burst')
    const http = client(proxy.httpUrl, 'bursty', { ladder: ['sse', 'long-poll'] })
    const ws = direct('bursty')
    await Promise.all([synced(http.provider), synced(ws.provider)])
    const socket = http.socket()!
    expect(socket.transport).toBe('sse')
    const typing = Promise.all([type(http.text, 'h', 80), type(ws.text, 'w', 80)])
    await waitFor(() => socket.transport === 'long-poll', { timeoutMs: 5_000, description: 'demoted to long-poll' })
    await typing
    await waitFor(() => http.text.length === 160 && ws.text.length === 160, { description: 'converged' })
    expect(http.text.toString()).toBe(ws.text.toString())
    expect(http.socket()).toBe(socket)
    expect(socket.stats.switches).toBe(1)
    await waitFor(() => socket.updateFramesAcked === socket.updateFramesSent, { description: 'all saved' })
    expect(http.storage.getItem(`tandem:transport:127.0.0.1:${proxy.port}`)).toContain('"rung":"long-poll"')
  })
})
