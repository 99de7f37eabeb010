import type { IncomingMessage } from 'node:http'

/** The request's cookies by name (the first of a repeated name wins, as browsers send the most specific first). */
export function readCookies(request: IncomingMessage): Map<string, string> {
  const cookies = new Map<string, string>()
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const equals = part.indexOf('=')
    if (equals <= 0) continue
    const name = part.slice(0, equals).trim()
    let value = part.slice(equals + 1).trim()
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1)
    if (!cookies.has(name)) cookies.set(name, safeDecode(value))
  }
  return cookies
}

export interface CookieAttributes {
  /** Seconds; 0 deletes the cookie. */
  maxAgeSeconds: number
  /** Sent over HTTPS only (PUBLIC_URL is https). */
  isSecure: boolean
  path?: string
}

/**
 * One Set-Cookie value: always HttpOnly (scripts never see a session) and SameSite=Lax (other sites'
 * forms and fetches do not carry it; a link from elsewhere, which is a top-level GET, still does).
 */
export function serializeCookie(name: string, value: string, attributes: CookieAttributes): string {
  const parts = [
    `${name}=${encodeURIComponent(value)}`,
    `Path=${attributes.path ?? '/'}`,
    `Max-Age=${Math.max(0, Math.floor(attributes.maxAgeSeconds))}`,
    'HttpOnly',
    'SameSite=Lax',
  ]
  if (attributes.isSecure) parts.push('Secure')
  return parts.join('; ')
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value)
  } catch {
    return value
  }
}
