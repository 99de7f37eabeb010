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
