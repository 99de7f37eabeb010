import { createHmac, timingSafeEqual } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { WebhookEvent } from '../../server/webhooks/webhook-events.js'

/** How a test receiver answers one request: a status, a dropped connection, or no answer at all. */
export type Behaviour = number | 'reset' | 'hang'

export interface Received {
  headers: http.IncomingHttpHeaders
  rawBody: string
  event: WebhookEvent
  /** Set once the receiver answered 2xx. */
  isAccepted: boolean
}

/** A real HTTP receiver on port 0; answers requests with `behaviours` in turn, the last one repeating. */
export async function startReceiver(behaviours: Behaviour[]) {
  const requests: Received[] = []
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8')
      const received: Received = {
        headers: request.headers,
        rawBody,
        event: JSON.parse(rawBody) as WebhookEvent,
        isAccepted: false,
      }
      requests.push(received)
      const behaviour = behaviours[Math.min(requests.length - 1, behaviours.length - 1)]!
      if (behaviour === 'hang') return
      if (behaviour === 'reset') return request.socket.destroy()
      received.isAccepted = behaviour >= 200 && behaviour < 300
      response.writeHead(behaviour).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/hooks/tandem`,
    requests,
    accepted: () => requests.filter((request) => request.isAccepted),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

/** What an operator's receiver does (docs/operations.md, "Webhooks"), written out independently of the server's code. */
export function isSignedByTandem(header: string | undefined, rawBody: string, secret: string): boolean {
  const fields = new Map((header ?? '').split(',').map((part) => part.split('=', 2) as [string, string]))
  const timestamp = Number(fields.get('t'))
  if (!Number.isInteger(timestamp) || Math.abs(Date.now() / 1000 - timestamp) > 300) return false
  const expected = createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest()
  const given = Buffer.from(fields.get('v1') ?? '', 'hex')
  return given.length === expected.length && timingSafeEqual(given, expected)
}
