import type { IncomingMessage } from 'node:http'
import proxyaddr from 'proxy-addr'

/** Who a request came from, for per-address limits and logs. */
export type ClientAddressOf = (request: IncomingMessage) => string

/**
 * Without trusted proxies, the socket's peer. Behind nginx that is nginx itself for every user, so
 * the per-address cap (50) would refuse the 51st user: TRUST_PROXY names the proxies whose
 * X-Forwarded-For is believed (express's `trust proxy` rules: `loopback`, `linklocal`,
 * `uniquelocal`, addresses and CIDRs). The first address not in the list, walking back from the
 * socket, is the client; a client cannot forge its way past a proxy it does not control.
 */
export function clientAddressResolver(trustedProxies: readonly string[] = []): ClientAddressOf {
  if (trustedProxies.length === 0) return (request) => request.socket.remoteAddress ?? 'unknown'
  const trust = proxyaddr.compile([...trustedProxies])
  return (request) => proxyaddr(request as Parameters<typeof proxyaddr>[0], trust)
}

/** Throws with a readable message when a TRUST_PROXY entry is not an address, CIDR or keyword. */
export function checkTrustedProxies(trustedProxies: readonly string[]): void {
  proxyaddr.compile([...trustedProxies])
}

/** The origin a request was addressed to (`https://tandem.example.org`), or undefined when its Host is unusable. */
export type RequestOriginOf = (request: IncomingMessage) => string | undefined

/** A host as the Host header may carry it: a name or IPv4 address, or a bracketed IPv6 one, and a port. */
const HOST = /^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/

/**
 * Exports resolve uploaded images' URLs against this (server/content/image-urls.ts). The Host
 * header and the socket's protocol, unless the peer is a trusted proxy (TRUST_PROXY, the same rule
 * as above): then its X-Forwarded-Proto and X-Forwarded-Host (first value each) say what the
 * browser asked for. Anyone else's X-Forwarded-* is ignored, so a client cannot make an export
 * point images at a host of its choosing — except through Host itself, which only changes its own
 * response.
 */
export function requestOriginResolver(trustedProxies: readonly string[] = []): RequestOriginOf {
  const trust = trustedProxies.length > 0 ? proxyaddr.compile([...trustedProxies]) : undefined
  return (request) => {
    const fromProxy = trust !== undefined && trust(request.socket.remoteAddress ?? '', 0)
    const forwarded = (name: string) => {
      const value = request.headers[name]
      return fromProxy && typeof value === 'string' ? value.split(',')[0]!.trim() : undefined
    }
    const encrypted = 'encrypted' in request.socket && request.socket.encrypted === true
    const protocol = (forwarded('x-forwarded-proto') ?? (encrypted ? 'https' : 'http')).toLowerCase()
    const host = forwarded('x-forwarded-host') ?? request.headers.host
    if ((protocol !== 'http' && protocol !== 'https') || host === undefined || !HOST.test(host)) return undefined
    return `${protocol}://${host}`
  }
}
