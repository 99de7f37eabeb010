import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { stockProvider, synced } from '../helpers/clients.js'
import { startNginx, type NginxProxy } from '../helpers/nginx.js'
import { errorLogs, startServer, type RunningServer } from '../helpers/test-server.js'
import { waitFor } from '../helpers/wait-for.js'
import { fallbackClient, type FallbackClient } from './fallback-clients.js'
import { startFaultProxy, type FaultProxy } from './fault-proxy.js'

/**
 * The transport ladder through real proxies: Debian's nginx with the configs in test/nginx/configs,
 * and a small Node proxy for what nginx cannot do (a WebSocket that opens and then swallows frames).
 * Clients are stock y-websocket providers driving Tandem's fallback socket class.
 */
describe('transport fallback behind real proxies', () => {
  let running: RunningServer
  let nginx: NginxProxy | null = null
  let proxy: FaultProxy | null = null
  const cleanups: (() => void)[] = []

  beforeEach(async () => {
    running = await startServer()
  })
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) cleanup()
    await nginx?.stop()
    await proxy?.close()
    nginx = null
    proxy = null
    await running.close()
  })

  function auto(baseUrl: string, docId: string, options: Parameters<typeof fallbackClient>[2] = {}): FallbackClient {
    const client = fallbackClient(baseUrl, docId, options)
    cleanups.push(client.destroy)
    return client
  }

  function direct(docId: string) {
    const client = stockProvider(running.wsUrl, docId)
    cleanups.push(client.destroy)
    return client
  }

  /** Types `count` copies of `char` at the end, paced like a person, while `until` is false. */
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

  function occurrences(value: string, char: string): number {
    return value.split(char).length - 1
  }

  async function expectConverged(a: { toString(): string }, b: { toString(): string }, counts: Record<string, number>) {
    const total = Object.values(counts).reduce((sum, n) => sum + n, 0)
    await waitFor(() => a.toString().length === total && b.toString().length === total, {
      timeoutMs: 15_000,
      description: `both replicas hold ${total} characters`,
    })
    expect(a.toString()).toBe(b.toString())
    for (const [char, count] of Object.entries(counts)) expect(occurrences(a.toString(), char)).toBe(count)
  }

  it('falls back to SSE within 5 s when nginx strips the Upgrade header, and syncs with a WebSocket client', async () => {
    nginx = await startNginx('no-upgrade.conf', running.port)
    const startedAt = Date.now()
    const alice = auto(nginx.httpUrl, 'no-upgrade')
    const bob = direct('no-upgrade')
    await waitFor(() => alice.socket()?.transport === 'sse', { timeoutMs: 5_000, description: 'alice on SSE' })
    expect(Date.now() - startedAt).toBeLessThan(5_000)
    await Promise.all([synced(alice.provider), synced(bob.provider)])
    await Promise.all([type(alice.text, 'a', 30), type(bob.text, 'b', 30)])
    await expectConverged(alice.text, bob.text, { a: 30, b: 30 })
    expect(alice.socket()!.stats.attempts).toEqual(['websocket', 'sse'])
    const socket = alice.socket()!
    await waitFor(() => socket.updateFramesAcked === socket.updateFramesSent, { description: 'alice saved' })
    expect(errorLogs(running.logs)).toEqual([])
  })

  it('ends on long-polling when nginx buffers the event stream, and still converges', async () => {
    nginx = await startNginx('buffered.conf', running.port)
    const alice = auto(nginx.httpUrl, 'buffered')
    const bob = direct('buffered')
    await waitFor(() => alice.socket()?.transport === 'long-poll', { timeoutMs: 10_000, description: 'long-poll' })
    expect(alice.socket()!.stats.attempts).toEqual(['websocket', 'sse', 'long-poll'])
    await Promise.all([synced(alice.provider), synced(bob.provider)])
    await Promise.all([type(alice.text, 'a', 20), type(bob.text, 'b', 20)])
    await expectConverged(alice.text, bob.text, { a: 20, b: 20 })
    expect(alice.storage.getItem(`tandem:transport:127.0.0.1:${nginx.port}`)).toContain('"rung":"long-poll"')
  })

  it('falls back when a proxy answers the upgrade and then swallows every frame', async () => {
    proxy = await startFaultProxy(running.port, 'blackhole')
    const startedAt = Date.now()
    const alice = auto(proxy.httpUrl, 'blackhole')
    const bob = direct('blackhole')
    await waitFor(() => alice.socket()?.transport === 'sse', { timeoutMs: 6_000, description: 'alice on SSE' })
    // The WebSocket opened (101) but never delivered the server's first frame: the hello deadline decided.
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(2_900)
    expect(Date.now() - startedAt).toBeLessThan(6_000)
    await Promise.all([synced(alice.provider), synced(bob.provider)])
    await Promise.all([type(alice.text, 'a', 10), type(bob.text, 'b', 10)])
    await expectConverged(alice.text, bob.text, { a: 10, b: 10 })
  })

  it('moves back to WebSocket while typing once the block is lifted, losing and doubling nothing', async () => {
    nginx = await startNginx('ws-refused.conf', running.port)
    const alice = auto(nginx.httpUrl, 'upgrade-back', { timings: { probeInitialMs: 300, probeMaxMs: 600 } })
    const bob = direct('upgrade-back')
    await waitFor(() => alice.socket()?.transport === 'sse', { timeoutMs: 5_000, description: 'alice on SSE' })
    await Promise.all([synced(alice.provider), synced(bob.provider)])
    const socket = alice.socket()!
    let isTypingDone = false
    const typing = Promise.all([type(alice.text, 'a', 120), type(bob.text, 'b', 120)]).then(() => (isTypingDone = true))
    await waitFor(() => alice.text.length > 20, { description: 'typing under way' })
    await nginx.reload('good.conf')
    await waitFor(() => socket.transport === 'websocket', { timeoutMs: 10_000, description: 'alice upgraded' })
    expect(isTypingDone).toBe(false) // the switch happened mid-typing
    expect(alice.socket()).toBe(socket) // the same socket: y-websocket never saw a reconnect
    await typing
    await expectConverged(alice.text, bob.text, { a: 120, b: 120 })
    expect(socket.stats.switches).toBe(1)
    await waitFor(() => socket.updateFramesAcked === socket.updateFramesSent, { description: 'alice saved' })
    expect(alice.storage.getItem(`tandem:transport:127.0.0.1:${nginx.port}`)).toContain('"rung":"websocket"')
    expect(errorLogs(running.logs)).toEqual([])
  })

  it('resumes a cut SSE stream with Last-Event-ID while both sides keep typing', async () => {
    proxy = await startFaultProxy(running.port, 'passthrough')
    const alice = auto(proxy.httpUrl, 'cut-stream', { ladder: ['sse'] })
    const bob = direct('cut-stream')
    await Promise.all([synced(alice.provider), synced(bob.provider)])
    const socket = alice.socket()!
    const typing = Promise.all([type(alice.text, 'a', 80), type(bob.text, 'b', 80)])
    for (let cut = 1; cut <= 3; cut++) {
      await waitFor(() => bob.text.length >= cut * 20, { description: `typing reached cut ${cut}` })
      await waitFor(() => proxy!.cutStreams() > 0, { description: 'a stream to cut' })
      await waitFor(() => running.logs.filter((l) => l.msg === 'http stream resumed').length >= cut, {
        description: `resume ${cut} with Last-Event-ID`,
      })
    }
    await typing
    await expectConverged(alice.text, bob.text, { a: 80, b: 80 })
    expect(alice.socket()).toBe(socket)
    expect(socket.stats.resyncs).toBe(0)
    expect(running.logs.filter((l) => l.msg === 'http stream resync')).toEqual([])
  })

  it('does not demote a WebSocket that worked and merely dropped, but does after 3 failed reconnects', async () => {
    proxy = await startFaultProxy(running.port, 'passthrough')
    const alice = auto(proxy.httpUrl, 'drop')
    const bob = direct('drop')
    await Promise.all([synced(alice.provider), synced(bob.provider)])
    expect(alice.socket()!.transport).toBe('websocket')
    const key = `tandem:transport:127.0.0.1:${proxy.port}`
    const remembered = () => JSON.parse(alice.storage.getItem(key) ?? '{}') as { rung?: string; wsFailures?: number }

    // A short outage: the socket drops and one reconnect is refused.
    proxy.setMode('refuse')
    expect(proxy.dropWebSockets()).toBe(1)
    await waitFor(() => (remembered().wsFailures ?? 0) >= 1, { description: 'a refused reconnect' })
    proxy.setMode('passthrough')
    await waitFor(() => alice.socket()?.transport === 'websocket' && alice.provider.synced, {
      description: 'back on WebSocket',
    })
    expect(remembered().rung).toBe('websocket')
    expect(proxy.requests.some((r) => r.includes('/events'))).toBe(false) // SSE never tried

    // A real block: after 3 failed WebSocket reconnects in a row, SSE takes over.
    proxy.setMode('refuse')
    proxy.dropWebSockets()
    await waitFor(() => alice.socket()?.transport === 'sse', { timeoutMs: 10_000, description: 'demoted to SSE' })
    expect(remembered().wsFailures).toBeGreaterThanOrEqual(2)
    await waitFor(() => alice.provider.synced, { description: 'synced over SSE' })
    alice.text.insert(0, 'still syncing')
    await waitFor(() => bob.text.toString() === 'still syncing', { description: 'edit over SSE' })
  })
})
