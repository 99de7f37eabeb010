import {
  APPLY_BUDGET_BURST_MS,
  APPLY_BUDGET_MS_PER_SECOND,
  AWARENESS_TICK_MS,
  COMPACT_AFTER_BYTES,
  COMMENTS_PER_MINUTE,
  COMPACT_AFTER_ROWS,
  CONNECTION_ATTEMPTS_PER_SECOND,
  HEARTBEAT_INTERVAL_MS,
  MAX_AWARENESS_STATE_BYTES,
  MAX_BYTES_PER_SECOND,
  MAX_COMMENTS_PER_THREAD,
  MAX_CONNECTIONS_PER_ADDRESS,
  MAX_DOCUMENT_BYTES,
  MAX_FRAME_BYTES,
  MAX_INITIAL_SYNC_BYTES,
  MAX_MESSAGES_PER_SECOND,
  MAX_SEND_BUFFER_BYTES,
  MAX_THREADS_PER_DOCUMENT,
  MAX_UPLOAD_BYTES,
  MESSAGE_BURST,
  REVOCATION_POLL_MS,
  ROOM_UNLOAD_DELAY_MS,
  SHUTDOWN_DEADLINE_MS,
  UPLOADS_PER_MINUTE,
  VERSION_IDLE_MS,
  VERSION_MAX_INTERVAL_MS,
} from '../shared/limits.js'
import type { RoomLimits } from './sync/doc-room.js'

/** Every limit the server enforces; defaults in shared/limits.ts, each overridable. */
export interface ServerLimits extends RoomLimits {
  maxSendBufferBytes: number
  heartbeatIntervalMs: number
  unloadDelayMs: number
  shutdownDeadlineMs: number
  maxMessagesPerSecond: number
  messageBurst: number
  maxBytesPerSecond: number
  maxConnectionsPerAddress: number
  /** New connections one address may open per second (ten seconds' worth at once); Infinity = no limit. */
  connectionAttemptsPerSecond: number
  /** Version history: record after editing pauses this long, and at least this often. */
  versionIdleMs: number
  versionMaxIntervalMs: number
  /** With AUTH_SECRET: how often new token revocations are read from storage (REVOCATION_POLL_MS). */
  revocationPollMs: number
  /** Comments (docs/operations.md, "Comment limits"): threads per document, comments per thread, writes per author per minute. */
  maxThreadsPerDocument: number
  maxCommentsPerThread: number
  commentsPerMinute: number
  /** Uploads (docs/operations.md, "Uploads"): the largest body, and uploads per author per minute (0 = off). */
  maxUploadBytes: number
  uploadsPerMinute: number
}

export function resolveLimits(overrides: Partial<ServerLimits> = {}): ServerLimits {
  const maxFrameBytes = overrides.maxFrameBytes ?? MAX_FRAME_BYTES
  return {
    maxFrameBytes,
    maxInitialSyncBytes: Math.max(MAX_INITIAL_SYNC_BYTES, maxFrameBytes),
    maxAwarenessStateBytes: MAX_AWARENESS_STATE_BYTES,
    awarenessTickMs: AWARENESS_TICK_MS,
    maxDocumentBytes: MAX_DOCUMENT_BYTES,
    applyBudgetBurstMs: APPLY_BUDGET_BURST_MS,
    applyBudgetMsPerSecond: APPLY_BUDGET_MS_PER_SECOND,
    compactAfterRows: COMPACT_AFTER_ROWS,
    compactAfterBytes: COMPACT_AFTER_BYTES,
    maxSendBufferBytes: MAX_SEND_BUFFER_BYTES,
    heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS,
    unloadDelayMs: ROOM_UNLOAD_DELAY_MS,
    shutdownDeadlineMs: SHUTDOWN_DEADLINE_MS,
    maxMessagesPerSecond: MAX_MESSAGES_PER_SECOND,
    messageBurst: MESSAGE_BURST,
    maxBytesPerSecond: MAX_BYTES_PER_SECOND,
    maxConnectionsPerAddress: MAX_CONNECTIONS_PER_ADDRESS,
    connectionAttemptsPerSecond: CONNECTION_ATTEMPTS_PER_SECOND,
    versionIdleMs: VERSION_IDLE_MS,
    versionMaxIntervalMs: VERSION_MAX_INTERVAL_MS,
    revocationPollMs: REVOCATION_POLL_MS,
    maxThreadsPerDocument: MAX_THREADS_PER_DOCUMENT,
    maxCommentsPerThread: MAX_COMMENTS_PER_THREAD,
    commentsPerMinute: COMMENTS_PER_MINUTE,
    maxUploadBytes: MAX_UPLOAD_BYTES,
    uploadsPerMinute: UPLOADS_PER_MINUTE,
    ...stripUndefined(overrides),
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>
}
