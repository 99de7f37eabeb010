import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Thread } from '../../shared/comments.js'

/** One request as the fake received it. */
export interface RecordedRequest {
  method: string
  path: string
  headers: http.IncomingHttpHeaders
  body: Record<string, unknown> | null
}

/**
 * A small real HTTP server speaking the comments REST API (docs/protocol.md, "Comments") from memory,
 * for the client's tests while the real routes are built elsewhere: idempotent POSTs by client id,
 * and switches for the failures a client must survive.
 */
export interface FakeThreadApi {
  url: string
  threads: Map<string, Thread>
  requests: RecordedRequest[]
  /** `up` answers; `unavailable` answers 503; `drop-answer` stores the write, then cuts the connection. */
  mode: 'up' | 'unavailable' | 'drop-answer'
  /** When set, every write is refused with this status and `{ error, message }`. */
  refusal: { status: number; error: string; message: string } | null
  close(): Promise<void>
}

export async function startFakeThreadApi(): Promise<FakeThreadApi> {
  let clock = Date.parse('2026-01-01T00:00:00.000Z')
  const now = () => new Date((clock += 1000)).toISOString()
  const api: FakeThreadApi = {
    url: '',
    threads: new Map(),
    requests: [],
    mode: 'up',
    refusal: null,
    close: async () => {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }

  const server = http.createServer((request, response) => {
    // Pages (happy-dom's fetch) call it cross-origin, as an embedding app calls its Tandem server.
    response.setHeader('Access-Control-Allow-Origin', '*')
    response.setHeader(
      'Access-Control-Allow-Headers',
      'Authorization, Content-Type, X-Tandem-Author-Id, X-Tandem-Author-Name',
    )
    response.setHeader('Access-Control-Allow-Methods', 'GET, POST, PATCH, DELETE')
    if (request.method === 'OPTIONS') {
      response.writeHead(204).end()
      return
    }
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString()
      const body = text ? (JSON.parse(text) as Record<string, unknown>) : null
      const path = request.url ?? ''
      api.requests.push({ method: request.method ?? '', path, headers: request.headers, body })
      const send = (status: number, payload: unknown) => {
        if (api.mode === 'drop-answer') {
          request.socket.destroy()
          return
        }
        response.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(payload))
      }
      if (api.mode === 'unavailable') {
        send(503, { error: 'server-shutting-down', message: 'The server is restarting.' })
        return
      }
      if (api.refusal) {
        send(api.refusal.status, { error: api.refusal.error, message: api.refusal.message })
        return
      }
      const match = /^\/api\/docs\/([^/]+)\/threads(?:\/([^/]+)(?:\/comments(?:\/([^/]+))?)?)?$/.exec(path)
      if (!match) {
        send(404, { error: 'not-found', message: 'No such route.' })
        return
      }
      const [, , threadId, commentId] = match
      const author = {
        id: String(request.headers['x-tandem-author-id'] ?? 'anonymous'),
        name: decodeURIComponent(String(request.headers['x-tandem-author-name'] ?? 'Anonymous')),
        isVerified: false,
      }
      const comment = (id: string, text: string) => ({ id, body: text, author, createdAt: now(), editedAt: null })
      const isPostComments = path.endsWith('/comments')
      if (request.method === 'POST' && !threadId) {
        const id = String(body?.id)
        const existing = api.threads.get(id)
        if (existing) return send(200, { thread: existing })
        const at = now()
        const thread: Thread = {
          id,
          status: 'open',
          quote: String(body?.quote ?? ''),
          anchor: (body?.anchor as Thread['anchor']) ?? null,
          ...(typeof body?.suggestionId === 'string' ? { suggestionId: body.suggestionId } : {}),
          comments: [comment(`${id}-c`, String(body?.body))],
          createdAt: at,
          updatedAt: at,
        }
        api.threads.set(id, thread)
        return send(201, { thread })
      }
      const thread = threadId ? api.threads.get(threadId) : undefined
      if (!thread) return send(404, { error: 'not-found', message: 'This thread does not exist (any more).' })
      if (request.method === 'POST' && isPostComments) {
        const id = String(body?.id)
        if (!thread.comments.some((c) => c.id === id)) thread.comments.push(comment(id, String(body?.body)))
        thread.updatedAt = now()
        return send(201, { thread })
      }
      if (request.method === 'PATCH' && !commentId) {
        thread.status = body?.status === 'resolved' ? 'resolved' : 'open'
        thread.updatedAt = now()
        return send(200, { thread })
      }
      if (request.method === 'DELETE' && !commentId) {
        api.threads.delete(thread.id)
        response.writeHead(204).end()
        return
      }
      const target = thread.comments.find((c) => c.id === commentId)
      if (!target) return send(404, { error: 'not-found', message: 'This comment does not exist (any more).' })
      if (request.method === 'PATCH') {
        target.body = String(body?.body)
        target.editedAt = now()
      } else {
        thread.comments = thread.comments.filter((c) => c.id !== commentId)
        if (thread.comments.length === 0) {
          api.threads.delete(thread.id) // the thread goes with its last comment
          return send(200, { thread: null })
        }
      }
      thread.updatedAt = now()
      return send(200, { thread })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  api.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return api
}
