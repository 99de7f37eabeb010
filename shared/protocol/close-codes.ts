import { ErrorCode } from '../errors.js'

/**
 * WebSocket close codes. 4400–4499 are permanent (the client stops and shows the reason);
 * 1011–1013 are transient (the client reconnects with jittered backoff). See docs/protocol.md.
 */
export const CloseCode = {
  Normal: 1000,
  /** Heartbeat lost or send buffer overflowed: reconnect and resync. */
  GoingAway: 1001,
  /**
   * Never sent: what a client sees when the connection ended without a close frame (the network
   * failed, or an HTTP transport gave up). Transient.
   */
  AbnormalClosure: 1006,
  /** ws's own limit (beyond the largest frame we ever accept). */
  MessageTooBig: 1009,
  InternalError: 1011,
  ServiceRestart: 1012,
  TryAgainLater: 1013,
  BadRequest: 4400,
  Unauthorized: 4401,
  Forbidden: 4403,
  DocumentDeleted: 4404,
  TooLarge: 4413,
  /**
   * The server cannot serve this client: a protocol version it does not speak, or (reported by the
   * client itself) a server URL that is not a Tandem server. 426 as in HTTP's Upgrade Required.
   */
  IncompatibleServer: 4426,
  /** Sending too fast; reconnect after a pause (outside the permanent 44xx range on purpose). */
  RateLimited: 4529,
} as const
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode]

const closeCodeByError: Record<ErrorCode, CloseCode> = {
  [ErrorCode.InvalidDocId]: CloseCode.BadRequest,
  [ErrorCode.MalformedFrame]: CloseCode.BadRequest,
  [ErrorCode.MalformedUpdate]: CloseCode.BadRequest,
  [ErrorCode.UnknownMessageType]: CloseCode.BadRequest,
  [ErrorCode.BadRequest]: CloseCode.BadRequest,
  [ErrorCode.NotFound]: CloseCode.BadRequest,
  [ErrorCode.AlreadyExists]: CloseCode.BadRequest,
  [ErrorCode.FrameTooLarge]: CloseCode.TooLarge,
  [ErrorCode.DocumentDeleted]: CloseCode.DocumentDeleted,
  [ErrorCode.StorageFailure]: CloseCode.TryAgainLater,
  [ErrorCode.ServerShuttingDown]: CloseCode.ServiceRestart,
  [ErrorCode.SlowConsumer]: CloseCode.GoingAway,
  [ErrorCode.HeartbeatTimeout]: CloseCode.GoingAway,
  [ErrorCode.Internal]: CloseCode.InternalError,
  [ErrorCode.Unauthorized]: CloseCode.Unauthorized,
  [ErrorCode.TokenExpired]: CloseCode.Unauthorized,
  [ErrorCode.TokenRevoked]: CloseCode.Unauthorized,
  [ErrorCode.Forbidden]: CloseCode.Forbidden,
  [ErrorCode.ReadOnly]: CloseCode.Forbidden,
  [ErrorCode.ForbiddenOrigin]: CloseCode.Forbidden,
  [ErrorCode.RateLimited]: CloseCode.RateLimited,
  [ErrorCode.TooManyConnections]: CloseCode.RateLimited,
  [ErrorCode.DocumentTooLarge]: CloseCode.TooLarge,
  [ErrorCode.SessionExpired]: CloseCode.GoingAway,
  [ErrorCode.PostInFlight]: CloseCode.TryAgainLater,
  [ErrorCode.UnsupportedMediaType]: CloseCode.BadRequest,
  [ErrorCode.FileTooLarge]: CloseCode.TooLarge,
  [ErrorCode.IncompatibleProtocol]: CloseCode.IncompatibleServer,
  [ErrorCode.NotTandemServer]: CloseCode.IncompatibleServer,
}

export function closeCodeFor(code: ErrorCode): CloseCode {
  return closeCodeByError[code]
}

/** True when reconnecting cannot help; the client should stop and show the reason. */
export function isPermanentClose(code: number): boolean {
  return code >= 4400 && code < 4500
}

/** RFC 6455 caps a close reason at 123 bytes of UTF-8. */
export function closeReason(code: ErrorCode, detail: string): string {
  const full = `${code}: ${detail}`
  let bytes = 0
  let end = 0
  for (const char of full) {
    const size = utf8Bytes(char.codePointAt(0) ?? 0)
    if (bytes + size > 120) return full.slice(0, end) + '...'
    bytes += size
    end += char.length
  }
  return full
}

function utf8Bytes(codePoint: number): number {
  return codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4
}
