import type { SyncStatus } from '../provider/sync-status.js'
import { Icon } from '../editor/icons.js'
import { describeStatus } from './status-text.js'
import './status-pill.css'

export function StatusPill({ status }: { status: SyncStatus }) {
  const { label, detail, icon, tone, badge } = describeStatus(status)
  return (
    <div
      className={`status-pill status-pill--${tone}`}
      title={detail}
      data-state={status.state}
      data-transport={status.transport ?? ''}
      data-unsynced={status.unsyncedChanges}
      data-local-copy={status.isLocalCopyCurrent ? 'current' : 'behind'}
    >
      {icon ? <Icon name={icon} size={14} /> : <span className="status-pill__dot" aria-hidden="true" />}
      <span className="status-pill__label">{label}</span>
      {badge ? <span className="status-pill__via">{badge}</span> : null}
      {/* Announced only when it needs attention: "Saving… Saved" on every keystroke would drown a screen reader. */}
      <span className="visually-hidden" role="status" aria-live="polite">
        {tone === 'warn' || tone === 'error' ? detail : ''}
      </span>
    </div>
  )
}
