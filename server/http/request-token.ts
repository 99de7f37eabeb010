import type { IncomingMessage } from 'node:http'

/**
 * The caller's token: `Authorization: Bearer <token>`, or `?token=` on GET requests (download links
 * and EventSource cannot set headers). Never logged: request logs carry paths only. Callers that
 * parsed the query already pass `queryToken` (express parses it again on every read).
 */
export function requestToken(
  request: IncomingMessage & { query?: Record<string, unknown> },
  queryToken: unknown = request.query?.token,
): string | undefined {
  const header = request.headers.authorization
  if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length).trim()
  const query = queryToken
  return request.method === 'GET' && typeof query === 'string' ? query : undefined
}
