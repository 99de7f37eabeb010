import { ErrorCode } from '../../shared/errors.js'
import { CloseCode } from '../../shared/protocol/close-codes.js'
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

/** A permanent failure, from the close code and reason the server sent (or the client concluded). */
export interface SyncFailure {
  /** WebSocket close code (4400–4499 per docs/protocol.md). */
  closeCode: number
  /** The `<error-code>` part of the close reason, e.g. `document-deleted` or `forbidden-origin`. */
  errorCode: string
  /** A sentence for the reader: what happened and what to do. */
  message: string
  /** The close reason as received (`<error-code>: <detail>`), with the server's facts; for logs and support. */
  reason: string
}

export interface SyncStatus {
  /** Where the session stands; see SyncState. */
  state: SyncState
  /**
   * The transport the server last answered on: the current connection's, or the last one's while
   * offline or in error. null until the server has answered once (before the first connection,
   * and when the very first attempt was refused).
   */
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

/**
 * True when `next` tells an app something `previous` did not: another state, transport or error, or
 * a flag flipped. Not a new `unsyncedChanges` count or `lastSavedAt` alone: those move with every
 * keystroke (offline, every keystroke adds one), and an app's "Saving… / Saved / Offline" needs
 * none of them. `onStatusChange` fires on these changes only; `useSyncStatus` sees every one.
 */
export function isStatusChange(previous: SyncStatus, next: SyncStatus): boolean {
  return (
    previous.state !== next.state ||
    previous.transport !== next.transport ||
    previous.error !== next.error ||
    previous.hasUnsyncedChanges !== next.hasUnsyncedChanges ||
    previous.isSynced !== next.isSynced ||
    previous.isLocalCopyLoaded !== next.isLocalCopyLoaded
  )
}

/** What the client knows that makes a failure's words precise. */
export interface FailureContext {
  /** The server's base URL (`http(s)://host[/prefix]`), named when it looks wrong. */
  serverUrl?: string
  /** This page's origin (`location.origin`), named when the server refuses it. */
  pageOrigin?: string
  /** True when the app gave a token (a 4401 then means a bad one, not a missing one). */
  hasToken?: boolean
}

type Words = (detail: string, context: FailureContext) => string

/** Words for failures whose error code says more than their close code (several share 4401, 4403, 4426). */
const WORDS_BY_ERROR_CODE: Partial<Record<string, Words>> = {
  [ErrorCode.ForbiddenOrigin]: (_detail, { pageOrigin }) =>
    `The Tandem server does not accept this page's origin${pageOrigin ? ` (${pageOrigin})` : ''}. ` +
    'Add it to ALLOWED_ORIGINS in the server settings and restart the server.',
  [ErrorCode.Unauthorized]: (_detail, { hasToken }) =>
    hasToken
      ? "Your access token was not accepted (invalid, or not signed with this server's AUTH_SECRET). Reload the page to get a new one."
      : 'This server needs an access token (it has AUTH_SECRET set) and none was given: pass a token to the editor.',
  [ErrorCode.TokenExpired]: () => 'Your access has expired. Sign in again to keep editing.',
  [ErrorCode.TokenRevoked]: () => "Access revoked — ask the document's owner for a new link.",
  [ErrorCode.Forbidden]: () => 'Your access token does not cover this document. Ask its owner for a link to it.',
  [ErrorCode.IncompatibleProtocol]: (detail) =>
    `This editor and the Tandem server speak different protocol versions (${detail}). ` +
    'Update the tandem package or the server so that they match.',
  [ErrorCode.NotTandemServer]: (detail, { serverUrl }) => notTandemServer(detail, serverUrl),
  // Not a close: a change refused on an open connection (permission-denied), which the provider ends.
  [ErrorCode.ReadOnly]: () =>
    'Your last change was not saved: this link can only suggest changes, and the server did not take it ' +
    'for a suggestion. Reload the page to continue from the saved document.',
}

/** Words for a close code when its error code has none of its own. */
const WORDS_BY_CLOSE_CODE: Partial<Record<number, Words>> = {
  [CloseCode.BadRequest]: () =>
    'The server rejected this session as malformed. Reload the page; if it persists, report it.',
  [CloseCode.Unauthorized]: () => 'Your access has expired. Sign in again to keep editing.',
  [CloseCode.Forbidden]: () => 'You do not have access to this document.',
  [CloseCode.DocumentDeleted]: () => 'This document was deleted.',
  [CloseCode.TooLarge]: () => 'A change is too large for the server to accept. Undo the last large paste and reload.',
  [CloseCode.IncompatibleServer]: (detail, { serverUrl }) => notTandemServer(detail, serverUrl),
}

function notTandemServer(detail: string, serverUrl: string | undefined): string {
  return (
    `Check serverUrl: ${serverUrl ?? 'the server'} did not answer as a Tandem sync server (${detail}). ` +
    "It should be the Tandem server's base URL, e.g. https://tandem.example.com."
  )
}

/** Words for a close the client cannot recover from by reconnecting: what happened and what to do. */
export function describeFailure(closeCode: number, reason: string, context: FailureContext = {}): SyncFailure {
  const separator = reason.indexOf(':')
  const errorCode = separator > 0 ? reason.slice(0, separator) : reason || `close-${closeCode}`
  const detail = separator > 0 ? reason.slice(separator + 1).trim() : reason
  const words = WORDS_BY_ERROR_CODE[errorCode] ?? WORDS_BY_CLOSE_CODE[closeCode]
  const message = words?.(detail, context) ?? `The server closed the connection for good (${closeCode}).`
  return { closeCode, errorCode, message, reason }
}
