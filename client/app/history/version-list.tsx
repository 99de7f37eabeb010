import { useRef, type KeyboardEvent } from 'react'
import type { VersionSummary } from '../docs-api.js'
import { relativeTime } from '../../editor/relative-time.js'

const OPTION_ID_PREFIX = 'history-version-'

interface VersionListProps {
  /** Newest first; null until the first load answered. */
  versions: VersionSummary[] | null
  /** The last load's failure, shown above the list (or instead of it when nothing was loaded). */
  error: string | null
  selectedId: number | null
  /** "Now" for the relative times, so they move on with each refresh. */
  now: number
  /** Called for a click, Enter or Space on a version, and for each arrow / Home / End move. */
  onSelect: (id: number) => void
  onRetry: () => void
}

/** The versions as a listbox: click or keyboard selects one to preview. */
export function VersionList({ versions, error, selectedId, now, onSelect, onRetry }: VersionListProps) {
  const listRef = useRef<HTMLUListElement>(null)
  if (error && !versions) {
    return (
      <div className="history-state history-state--error" role="alert">
        <p>Could not load versions: {error}</p>
        <button type="button" className="button" onClick={onRetry}>
          Try again
        </button>
      </div>
    )
  }
  if (!versions) {
    return (
      <p className="history-state" aria-busy="true">
        Loading versions…
      </p>
    )
  }
  if (versions.length === 0) {
    return <p className="history-state">No versions yet — they appear after you edit.</p>
  }
  // Roving tab index: Tab enters the list once; arrows, Home and End move and select.
  const focusIndex = Math.max(
    0,
    versions.findIndex((version) => version.id === selectedId),
  )
  const onKeyDown = (event: KeyboardEvent<HTMLUListElement>) => {
    const current = versions.findIndex(
      (version) => String(version.id) === document.activeElement?.id.slice(OPTION_ID_PREFIX.length),
    )
    const from = current === -1 ? focusIndex : current
    const to =
      event.key === 'ArrowDown'
        ? Math.min(versions.length - 1, from + 1)
        : event.key === 'ArrowUp'
          ? Math.max(0, from - 1)
          : event.key === 'Home'
            ? 0
            : event.key === 'End'
              ? versions.length - 1
              : null
    const target = to === null ? undefined : versions[to]
    if (!target) return
    event.preventDefault()
    onSelect(target.id)
    listRef.current?.querySelector<HTMLElement>(`#${OPTION_ID_PREFIX}${target.id}`)?.focus()
  }
  return (
    <>
      {error && (
        <p className="history-message history-message--error" role="status">
          Could not refresh: {error}
        </p>
      )}
      <ul
        ref={listRef}
        className="history-list"
        role="listbox"
        aria-label="Versions, newest first"
        onKeyDown={onKeyDown}
      >
        {versions.map((version, index) => {
          const isSelected = version.id === selectedId
          return (
            <li
              key={version.id}
              id={`${OPTION_ID_PREFIX}${version.id}`}
              role="option"
              aria-selected={isSelected}
              tabIndex={index === focusIndex ? 0 : -1}
              className={`history-item${isSelected ? ' history-item--selected' : ''}`}
              data-version-id={version.id}
              onClick={() => onSelect(version.id)}
              onKeyDown={(event) => {
                if (event.key === 'Enter' || event.key === ' ') {
                  event.preventDefault()
                  onSelect(version.id)
                }
              }}
            >
              {version.name && <span className="history-item__name">{version.name}</span>}
              <time
                className="history-item__time"
                dateTime={version.createdAt}
                title={new Date(version.createdAt).toLocaleString()}
              >
                {relativeTime(version.createdAt, now)}
              </time>
              {version.authors.length > 0 && (
                <span className="history-item__authors" title={version.authors.join(', ')}>
                  {version.authors.join(', ')}
                </span>
              )}
            </li>
          )
        })}
      </ul>
    </>
  )
}
