/**
 * Splits one `serverUrl` (http(s) or ws(s), optionally with a path prefix such as a reverse proxy's
 * `/tandem`) into the two bases Tandem needs: REST over HTTP and sync over WebSocket.
 */
export function serverEndpoints(serverUrl: string): { httpBase: string; collabBase: string } {
  const base = new URL(serverUrl, typeof location === 'undefined' ? undefined : location.href)
  const path = base.pathname.replace(/\/+$/, '')
  const httpProtocol = base.protocol === 'wss:' ? 'https:' : base.protocol === 'ws:' ? 'http:' : base.protocol
  const wsProtocol = httpProtocol === 'https:' ? 'wss:' : 'ws:'
  return {
    httpBase: `${httpProtocol}//${base.host}${path}`,
    collabBase: `${wsProtocol}//${base.host}${path}/collab`,
  }
}
