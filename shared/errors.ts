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
