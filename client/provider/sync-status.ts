import { ErrorCode } from '../../shared/errors.js'
import type { TransportKind } from '../../shared/protocol/transport-kind.js'

/**
 * Where a document's sync session stands, as a writer should read it. Only `saved` means the server
 * has committed every local change to storage.
 */
export const SyncState = {
  /** First connection attempt in progress; nothing known yet. */
  Connecting: 'connecting',
  /** The server answered over `transport`; the initial exchange is still running. */
  Connected: 'connected',
  /** Local changes went to the server and await its durable acknowledgement. */
  Saving: 'saving',
  /** The server acknowledged every local change as committed. */
  Saved: 'saved',
  /** No working connection; retrying with backoff. Changes are kept locally (`unsyncedChanges`). */
  Offline: 'offline',
  /** The server refused the session for good (e.g. deleted, forbidden); no retry. See `error`. */
  Error: 'error',
} as const
export type SyncState = (typeof SyncState)[keyof typeof SyncState]

/** A permanent failure, from the close code and reason the server sent. */
export interface SyncFailure {
  /** WebSocket close code (4400–4499 per docs/protocol.md). */
  closeCode: number
  /** The `<error-code>` part of the close reason, e.g. `document-deleted`. */
  errorCode: string
  /** A sentence for the writer: what happened and what to do. */
  message: string
}

export interface SyncStatus {
  /** Where the session stands; see SyncState. */
  state: SyncState
  /** The transport of the current or last connection; null before any connection. */
  transport: TransportKind | null
  /** Local edits the server has not acknowledged as durable (kept in this browser meanwhile). */
  unsyncedChanges: number
  /** `unsyncedChanges > 0`. */
  hasUnsyncedChanges: boolean
  /** True once the document was loaded from this browser's IndexedDB copy (or offline storage is off). */
  isLocalCopyLoaded: boolean
  /** True once the initial exchange with the server completed on the current connection. */
  isSynced: boolean
  /** Set in the `error` state. */
  error: SyncFailure | null
  /** When the server last acknowledged everything, in ms since the epoch. */
  lastSavedAt: number | null
}

export const INITIAL_SYNC_STATUS: SyncStatus = {
  state: SyncState.Connecting,
  transport: null,
  unsyncedChanges: 0,
  hasUnsyncedChanges: false,
  isLocalCopyLoaded: false,
  isSynced: false,
  error: null,
  lastSavedAt: null,
}

/** Everything the state depends on, gathered by the provider. */
export interface SyncFacts {
  /** Set once the server refused the session for good; wins over every other fact. */
  failure: SyncFailure | null
  /** A connection attempt failed or dropped since the session started. */
  hasLostConnection: boolean
  /** The current socket is open; the facts below describe it only while it is. */
  isSocketOpen: boolean
  /** The server's first frame arrived on the current socket (an open socket alone proves nothing behind a proxy). */
  hasReceivedMessage: boolean
  /** The server's SyncStep1 arrived on the current socket. */
  hasReceivedSyncStep1: boolean
  /** The initial exchange completed (y-websocket's `synced`). */
  isSynced: boolean
  /** Update-bearing frames sent on the current socket. */
  updateFramesSent: number
  /** Highest cumulative acknowledgement the server sent on the current socket. */
  updateFramesAcked: number
}

/** The state machine as a pure function of the facts, so every transition is testable. */
export function deriveSyncState(facts: SyncFacts): SyncState {
  if (facts.failure) return SyncState.Error
  if (!facts.isSocketOpen || !facts.hasReceivedMessage) {
    return facts.hasLostConnection ? SyncState.Offline : SyncState.Connecting
  }
  if (!facts.hasReceivedSyncStep1 || !facts.isSynced) return SyncState.Connected
  return facts.updateFramesAcked >= facts.updateFramesSent ? SyncState.Saved : SyncState.Saving
}

/** Words for failures whose error code says more than their close code (several share 4401). */
const MESSAGES_BY_ERROR_CODE: Record<string, string> = {
  [ErrorCode.TokenRevoked]: "Access revoked — ask the document's owner for a new link.",
}

/** Words for a close the client cannot recover from by reconnecting. */
export function describeFailure(closeCode: number, reason: string): SyncFailure {
  const separator = reason.indexOf(':')
  const errorCode = separator > 0 ? reason.slice(0, separator) : reason || `close-${closeCode}`
  const byErrorCode = MESSAGES_BY_ERROR_CODE[errorCode]
  if (byErrorCode) return { closeCode, errorCode, message: byErrorCode }
  const messages: Record<number, string> = {
    4400: 'The server rejected this session as malformed. Reload the page; if it persists, report it.',
    4401: 'Your access has expired. Sign in again to keep editing.',
    4403: 'You do not have access to this document.',
    4404: 'This document was deleted.',
    4413: 'A change is too large for the server to accept. Undo the last large paste and reload.',
  }
  const message = messages[closeCode] ?? `The server closed the connection for good (${closeCode}).`
  return { closeCode, errorCode, message }
}
