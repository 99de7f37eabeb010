import { createHash } from 'node:crypto'
import http from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'

export interface FaultProxy {
  port: number
  httpUrl: string
  /** Cuts every SSE stream in flight (the TCP connection dies mid-response, as a flaky proxy does). */
  cutStreams(): number
  /** Changes how later WebSocket upgrades are treated (`refuse` answers 403, as a blocking proxy does). */
  setMode(mode: FaultMode): void
  /** Kills every proxied WebSocket connection (a network change, a proxy restart). */
  dropWebSockets(): number
  /** Plain-HTTP requests seen, as "METHOD path" (query stripped). */
  requests: string[]
  close(): Promise<void>
}

/**
 * What nginx cannot simulate: `blackhole` answers the WebSocket upgrade with 101 and then drops
 * every frame both ways (proxies and antivirus do this); `refuse` answers upgrades 403; `burst`
 * releases event streams in bursts;
 * `passthrough` proxies upgrades too. The mode can change while clients are connected.
 * Plain HTTP always passes through, so the HTTP fallback works behind either.
 */
export type FaultMode = 'blackhole' | 'passthrough' | 'refuse' | 'burst'

/** How long `burst` mode holds a stream's bytes before releasing them all at once. */
const BURST_INTERVAL_MS = 600

/**
 * An event stream that arrives in bursts, as behind a proxy or antivirus that buffers: everything
 * up to the `hello` event passes, later bytes are released together every BURST_INTERVAL_MS.
 */
function burst(answer: http.IncomingMessage, response: http.ServerResponse): void {
  let isHelloPassed = false
  let held: Buffer[] = []
  const release = () => {
    if (held.length === 0) return
    response.write(Buffer.concat(held))
    held = []
  }
  const timer = setInterval(release, BURST_INTERVAL_MS)
  answer.on('data', (chunk: Buffer) => {
    if (isHelloPassed) return void held.push(chunk)
    response.write(chunk)
    isHelloPassed = chunk.includes('event: hello')
  })
  answer.on('end', () => {
    clearInterval(timer)
    release()
    response.end()
  })
  response.once('close', () => {
    clearInterval(timer)
    answer.destroy()
  })
}

export async function startFaultProxy(upstreamPort: number, initialMode: FaultMode): Promise<FaultProxy> {
  let mode = initialMode
  const upgraded = new Set<Duplex>()
  const streams = new Set<http.ServerResponse>()
  const sockets = new Set<Socket | Duplex>()
  const requests: string[] = []
  const server = http.createServer((request, response) => {
    requests.push(`${request.method} ${(request.url ?? '').split('?')[0]}`)
    const upstream = http.request(
      { host: '127.0.0.1', port: upstreamPort, path: request.url, method: request.method, headers: request.headers },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers)
        const isStream = (answer.headers['content-type'] ?? '').startsWith('text/event-stream')
        if (isStream) {
          streams.add(response)
          response.once('close', () => streams.delete(response))
        }
        if (isStream && mode === 'burst') return burst(answer, response)
        answer.pipe(response)
        response.once('close', () => answer.destroy())
      },
    )
    upstream.on('error', () => response.destroy())
    request.pipe(upstream)
  })
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  server.on('upgrade', (request, socket: Duplex, head: Buffer) => {
    sockets.add(socket)
    socket.on('error', () => undefined)
    if (mode === 'refuse') {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
      return
    }
    if (mode === 'blackhole') {
      const accept = createHash('sha1')
        .update(`${String(request.headers['sec-websocket-key'])}${WS_GUID}`)
        .digest('base64')
      socket.write(
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          `Sec-WebSocket-Accept: ${accept}\r\n\r\n`,
      )
      socket.on('data', () => undefined) // swallowed
      return
    }
    const upstream = http.request({
      host: '127.0.0.1',
      port: upstreamPort,
      path: request.url,
      method: request.method,
      headers: request.headers,
    })
    upstream.on('upgrade', (answer, upstreamSocket, upstreamHead) => {
      const lines = [`HTTP/1.1 101 Switching Protocols`]
      for (let i = 0; i < answer.rawHeaders.length; i += 2)
        lines.push(`${answer.rawHeaders[i]}: ${answer.rawHeaders[i + 1]}`)
      socket.write(`${lines.join('\r\n')}\r\n\r\n`)
      if (upstreamHead.length > 0) socket.write(upstreamHead)
      if (head.length > 0) upstreamSocket.write(head)
      upstreamSocket.pipe(socket).pipe(upstreamSocket)
      upgraded.add(socket)
      socket.once('close', () => upgraded.delete(socket))
      upstreamSocket.on('error', () => socket.destroy())
      socket.on('close', () => upstreamSocket.destroy())
    })
    upstream.on('response', (answer) => {
      socket.end(`HTTP/1.1 ${answer.statusCode ?? 502} Refused\r\nConnection: close\r\n\r\n`)
    })
    upstream.on('error', () => socket.destroy())
    upstream.end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return {
    port,
    httpUrl: `http://127.0.0.1:${port}`,
    requests,
    setMode(next: FaultMode) {
      mode = next
    },
    dropWebSockets() {
      const count = upgraded.size
      for (const socket of upgraded) socket.destroy()
      upgraded.clear()
      return count
    },
    cutStreams() {
      const count = streams.size
      for (const response of streams) response.socket?.destroy()
      streams.clear()
      return count
    },
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
