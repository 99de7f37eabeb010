/**
 * The version of the wire protocol in docs/protocol.md: frames, acknowledgements, HTTP framing and
 * close codes, as one number. Tandem's client sends it as `?protocol=<n>` on every connection and
 * request; the server refuses a version it does not speak with close code 4426
 * (`incompatible-protocol`), so a client newer than its server says so instead of misbehaving.
 *
 * Stock y-websocket clients send nothing and are served as version 1, which is y-websocket's
 * protocol plus opt-in extras. A server that predates the parameter ignores it.
 */
export const PROTOCOL_VERSION = 1

/** The oldest version this code still serves; raised only when a server drops an old client's protocol. */
export const MIN_PROTOCOL_VERSION = 1

/** Query parameter carrying the client's protocol version. */
export const PROTOCOL_QUERY_PARAM = 'protocol'

/**
 * Null when a client asking for `requested` (the query parameter's value, null when absent) can be
 * served; otherwise the detail of the refusal, naming both versions.
 */
export function protocolMismatch(requested: string | null): string | null {
  if (requested === null) return null
  const version = /^\d{1,6}$/.test(requested) ? Number(requested) : Number.NaN
  if (version >= MIN_PROTOCOL_VERSION && version <= PROTOCOL_VERSION) return null
  const served =
    MIN_PROTOCOL_VERSION === PROTOCOL_VERSION ? `${PROTOCOL_VERSION}` : `${MIN_PROTOCOL_VERSION}–${PROTOCOL_VERSION}`
  return `the client speaks protocol ${requested.slice(0, 16)}, this server ${served}`
}
