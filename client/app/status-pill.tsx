import type { SyncStatus } from '../provider/sync-status.js'
import { Icon, type IconName } from '../editor/icons.js'

const TRANSPORT_NAMES: Record<string, string> = {
  websocket: 'WebSocket',
  sse: 'Server-Sent Events',
  'long-poll': 'long polling',
}

function changes(count: number): string {
  return count === 1 ? '1 change' : `${count} changes`
}

/** Text, detail and look for each state: says what happened and, when it matters, what to do. */
export function describeStatus(status: SyncStatus): {
  label: string
  detail: string
  icon: IconName | null
  tone: string
} {
  const via = status.transport ? ` over ${TRANSPORT_NAMES[status.transport] ?? status.transport}` : ''
  switch (status.state) {
    case 'connecting':
      return { label: 'Connecting…', detail: 'Connecting to the server', icon: null, tone: 'pending' }
    case 'connected':
      return { label: 'Syncing…', detail: `Connected${via}; exchanging changes`, icon: null, tone: 'pending' }
    case 'saving':
      return {
        label: 'Saving…',
        detail: `Connected${via}; waiting for the server to store your changes`,
        icon: null,
        tone: 'pending',
      }
    case 'saved':
      return { label: 'Saved', detail: `All changes stored on the server. Connected${via}.`, icon: 'check', tone: 'ok' }
    case 'offline':
      return {
        label: status.unsyncedChanges > 0 ? `Offline · ${changes(status.unsyncedChanges)} not synced` : 'Offline',
        detail:
          status.unsyncedChanges > 0
            ? `No connection. ${changes(status.unsyncedChanges)} kept on this device; they sync when the connection returns.`
            : 'No connection. Keep writing: changes are kept on this device and sync when the connection returns.',
        icon: 'cloudOff',
        tone: 'warn',
      }
    case 'error': {
      const code = status.error?.closeCode
      const label =
        status.error?.errorCode === 'token-revoked'
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

export function StatusPill({ status }: { status: SyncStatus }) {
  const { label, detail, icon, tone } = describeStatus(status)
  return (
    <div
      className={`status-pill status-pill--${tone}`}
      title={detail}
      data-state={status.state}
      data-transport={status.transport ?? ''}
      data-unsynced={status.unsyncedChanges}
    >
      {icon ? <Icon name={icon} size={14} /> : <span className="status-pill__dot" aria-hidden="true" />}
      <span className="status-pill__label">{label}</span>
      {/* Announced only when it needs attention: "Saving… Saved" on every keystroke would drown a screen reader. */}
      <span className="visually-hidden" role="status" aria-live="polite">
        {tone === 'warn' || tone === 'error' ? detail : ''}
      </span>
    </div>
  )
}
