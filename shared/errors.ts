/** Every failure a client or operator can see, by name. The string is what goes on the wire. */
export const ErrorCode = {
  InvalidDocId: 'invalid-doc-id',
  MalformedFrame: 'malformed-frame',
  MalformedUpdate: 'malformed-update',
  UnknownMessageType: 'unknown-message-type',
  FrameTooLarge: 'frame-too-large',
  DocumentDeleted: 'document-deleted',
  NotFound: 'not-found',
  AlreadyExists: 'already-exists',
  BadRequest: 'bad-request',
  StorageFailure: 'storage-failure',
  ServerShuttingDown: 'server-shutting-down',
  SlowConsumer: 'slow-consumer',
  HeartbeatTimeout: 'heartbeat-timeout',
  Internal: 'internal-error',
  Unauthorized: 'unauthorized',
  TokenExpired: 'token-expired',
  /** The token (or every token of its user issued until then) was revoked by an operator; final. */
  TokenRevoked: 'token-revoked',
  Forbidden: 'forbidden',
  ReadOnly: 'read-only',
  ForbiddenOrigin: 'forbidden-origin',
  /** Too many messages, bytes, POSTs or sessions for one client; retry after a pause. */
  RateLimited: 'rate-limited',
  TooManyConnections: 'too-many-connections',
  DocumentTooLarge: 'document-too-large',
  /** HTTP fallback: the session or cursor is gone (expired, or held by another instance); resync. */
  SessionExpired: 'session-expired',
  /** HTTP fallback: a second POST for a session while one is in flight (POSTs are strictly ordered). */
  PostInFlight: 'post-in-flight',
  /** HTTP fallback: a POST body that is not `application/octet-stream`. */
  UnsupportedMediaType: 'unsupported-media-type',
  /** An upload bigger than MAX_UPLOAD_BYTES, or an image whose pixel dimensions exceed the caps. */
  FileTooLarge: 'file-too-large',
  /** The client asked (`?protocol=`) for a protocol version this server does not speak. */
  IncompatibleProtocol: 'incompatible-protocol',
  /**
   * Seen by clients only: the server URL answered a sync endpoint as something other than Tandem
   * (HTTP 404 or 405, or a web page), so `serverUrl` is wrong.
   */
  NotTandemServer: 'not-tandem-server',
} as const
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode]

/** A failure with a code the edge that owns the socket or response translates once. */
export class SyncError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message)
    this.name = 'SyncError'
  }
}

/** The message of anything thrown: an Error's message, or the value itself as text. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
