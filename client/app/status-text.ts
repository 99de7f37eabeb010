import { ErrorCode } from '../../shared/errors.js'
import { SyncState, type SyncStatus } from '../provider/sync-status.js'

/** The icons the status uses (names from editor/icons.tsx). */
export type StatusIcon = 'check' | 'cloudOff' | 'alert'

type TransportKind = NonNullable<SyncStatus['transport']>

/** Keyed by every transport, so a new or renamed one fails the type check until it has words here. */
const TRANSPORT_NAMES: Record<TransportKind, string> = {
  websocket: 'WebSocket',
  sse: 'Server-Sent Events',
  'long-poll': 'long polling',
}

/** Shown beside the state while a fallback carries the document: WebSocket is the normal case. */
const FALLBACK_BADGES: Record<Exclude<TransportKind, 'websocket'>, string> = {
  sse: 'via SSE',
  'long-poll': 'via long polling',
}

function changes(count: number): string {
  return count === 1 ? '1 change' : `${count} changes`
}

/** Text, detail and look for each state: says what happened and, when it matters, what to do. */
export function describeStatus(status: SyncStatus): {
  label: string
  detail: string
  icon: StatusIcon | null
  tone: string
  /** Visible while connected over a fallback transport ("via SSE"); null over WebSocket. */
  badge: string | null
} {
  const described = describeState(status)
  // Only while a connection carries the document: offline or refused, the state is the news.
  const isCarrying =
    status.state === SyncState.Connected || status.state === SyncState.Saving || status.state === SyncState.Saved
  const badge =
    isCarrying && status.transport && status.transport !== 'websocket' ? FALLBACK_BADGES[status.transport] : null
  if (!badge) return { ...described, badge: null }
  const sentence = described.detail.endsWith('.') ? described.detail : `${described.detail}.`
  return {
    ...described,
    badge,
    detail: `${sentence} WebSockets are not getting through on this network (a proxy or firewall), so changes travel over plain HTTP requests: slower, but nothing is lost.`,
  }
}

function describeState(status: SyncStatus): { label: string; detail: string; icon: StatusIcon | null; tone: string } {
  const via = status.transport ? ` over ${TRANSPORT_NAMES[status.transport]}` : ''
  switch (status.state) {
    case SyncState.Connecting:
      return { label: 'Connecting…', detail: 'Connecting to the server', icon: null, tone: 'pending' }
    case SyncState.Connected:
      return { label: 'Syncing…', detail: `Connected${via}; exchanging changes`, icon: null, tone: 'pending' }
    case SyncState.Saving:
      return {
        label: 'Saving…',
        detail: `Connected${via}; waiting for the server to store your changes`,
        icon: null,
        tone: 'pending',
      }
    case SyncState.Saved:
      return { label: 'Saved', detail: `All changes stored on the server. Connected${via}.`, icon: 'check', tone: 'ok' }
    case SyncState.Offline:
      return {
        label: status.unsyncedChanges > 0 ? `Offline · ${changes(status.unsyncedChanges)} not synced` : 'Offline',
        detail:
          status.unsyncedChanges > 0
            ? `No connection. ${changes(status.unsyncedChanges)} kept on this device; they sync when the connection returns.`
            : 'No connection. Keep writing: changes are kept on this device and sync when the connection returns.',
        icon: 'cloudOff',
        tone: 'warn',
      }
    case SyncState.Error: {
      const code = status.error?.closeCode
      const label =
        status.error?.errorCode === ErrorCode.TokenRevoked
          ? 'Access revoked'
          : code === 4401 || code === 4403
            ? 'No access'
            : code === 4404
              ? 'Deleted'
              : 'Not syncing'
      return {
        label,
        detail: status.error?.message ?? 'The server refused this document.',
        icon: 'alert',
        tone: 'error',
      }
    }
  }
}
