import type { Request } from 'express'

/**
 * The caller's token: `Authorization: Bearer <token>`, or `?token=` on GET requests (download links
 * and EventSource cannot set headers). Never logged: request logs carry paths only.
 */
export function requestToken(request: Request): string | undefined {
  const header = request.get('authorization')
  if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length).trim()
  const query = request.query.token
  return request.method === 'GET' && typeof query === 'string' ? query : undefined
}
