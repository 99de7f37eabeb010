import { useEffect, useMemo, useState } from 'react'
import type * as Y from 'yjs'
import { errorMessage } from '../../../shared/errors.js'
import type { ChangeAuthor } from '../../../shared/history/change-marks.js'
import {
  compareVersions,
  fetchVersionJson,
  type EditorJson,
  type VersionComparison,
  type VersionSummary,
} from '../docs-api.js'
import { fullDate } from '../../editor/relative-time.js'
import { authorColors } from './author-colors.js'
import { useLiveRevision } from './live-revision.js'
import { NameForm } from './name-form.js'
import { colorChanges } from './color-changes.js'
import { RichContent } from './rich-content.js'
import { versionTitle } from './version-title.js'

/** What the preview compares the version with: the document as it is now, or another version. */
type CompareWith = 'current' | number

type Loaded<T> = { state: 'loading' } | { state: 'ready'; value: T } | { state: 'error'; error: string }

interface VersionPreviewProps {
  docId: string
  /** The live document, compared with the version as it changes. */
  doc: Y.Doc
  version: VersionSummary
  /** Every version (newest first), to compare this one with. */
  versions: VersionSummary[]
  /** The caret colour of each writer here now, by name: their changes are marked in it. */
  presentColors: ReadonlyMap<string, string>
  /** Edit access: shows the name and restore buttons. */
  canEdit: boolean
  /** The name form for this version is open. */
  naming: boolean
  /** Back to the list (the narrow layout's way out of the preview). */
  onBack: () => void
  onName: () => void
  onCancelName: () => void
  onSubmitName: (name: string) => void
  /** Asks to restore (the panel confirms first). */
  onRestore: () => void
}

/**
 * One version, read-only, as rich text: with what changed between it and now (or another version)
 * marked in the colour of whoever changed it, or (highlighting off) as it was; and its name and
 * restore actions.
 */
export function VersionPreview({
  docId,
  doc,
  version,
  versions,
  presentColors,
  canEdit,
  naming,
  onBack,
  onName,
  onCancelName,
  onSubmitName,
  onRestore,
}: VersionPreviewProps) {
  const [showChanges, setShowChanges] = useState(true)
  const [compareWith, setCompareWith] = useState<CompareWith>('current')
  const [comparison, setComparison] = useState<Loaded<VersionComparison>>({ state: 'loading' })
  const [asItWas, setAsItWas] = useState<Loaded<EditorJson>>({ state: 'loading' })
  const revision = useLiveRevision(doc)
  // Only a comparison with now follows live edits; one between versions never changes.
  const liveRevision = compareWith === 'current' ? revision : 0

  useEffect(() => {
    if (!showChanges) return
    let isCurrent = true
    // A refresh keeps the last comparison on screen until the new one arrives: no flicker while typing.
    compareVersions(docId, version.id, compareWith)
      .then((value) => isCurrent && setComparison({ state: 'ready', value }))
      .catch((error: unknown) => isCurrent && setComparison({ state: 'error', error: errorMessage(error) }))
    return () => {
      isCurrent = false
    }
  }, [docId, version.id, compareWith, showChanges, liveRevision])

  useEffect(() => {
    if (showChanges || asItWas.state === 'ready') return
    let isCurrent = true
    fetchVersionJson(docId, version.id)
      .then((value) => isCurrent && setAsItWas({ state: 'ready', value }))
      .catch((error: unknown) => isCurrent && setAsItWas({ state: 'error', error: errorMessage(error) }))
    return () => {
      isCurrent = false
    }
  }, [docId, version.id, showChanges, asItWas.state])

  const others = versions.filter((other) => other.id !== version.id)
  const other = compareWith === 'current' ? null : (others.find((candidate) => candidate.id === compareWith) ?? null)
  const content = showChanges ? comparison : asItWas
  const authors = comparison.state === 'ready' ? comparison.value.authors : []
  const colors = useMemo(() => authorColors(authors, presentColors), [authors, presentColors])
  const json = useMemo(() => {
    if (!showChanges) return asItWas.state === 'ready' ? asItWas.value : null
    return comparison.state === 'ready' ? colorChanges(comparison.value.doc, colors) : null
  }, [showChanges, asItWas, comparison, colors])

  return (
    <section
      className="history-preview"
      aria-label={`${versionTitle(version)} (read-only)`}
      data-version-id={version.id}
    >
      <div className="history-preview__head">
        <button type="button" className="button history-preview__back" onClick={onBack}>
          ← Versions
        </button>
        <div className="history-preview__title">
          <h3>{versionTitle(version)}</h3>
          <p className="muted small">
            <time dateTime={version.createdAt}>{fullDate(version.createdAt)}</time>
            {version.authors.length > 0 && <> · {version.authors.join(', ')}</>}
          </p>
        </div>
        {canEdit && (
          <div className="history-preview__actions">
            <button type="button" className="button" onClick={onName} disabled={naming}>
              {version.isNamed ? 'Rename this version' : 'Name this version'}
            </button>
            <button type="button" className="button button--primary" onClick={onRestore}>
              Restore this version
            </button>
          </div>
        )}
      </div>
      {naming && (
        <NameForm
          label="Name for this version"
          initial={version.name ?? ''}
          onCancel={onCancelName}
          onSubmit={onSubmitName}
        />
      )}
      <div className="history-preview__bar">
        <label className="history-preview__toggle">
          <input type="checkbox" checked={showChanges} onChange={(event) => setShowChanges(event.target.checked)} />
          Highlight changes since then
        </label>
        {showChanges && (
          <label className="history-preview__compare">
            Compare with
            <select
              value={String(compareWith)}
              onChange={(event) => {
                const value = event.target.value
                setComparison({ state: 'loading' })
                setCompareWith(value === 'current' ? 'current' : Number(value))
              }}
            >
              <option value="current">Now</option>
              {others.map((candidate) => (
                <option key={candidate.id} value={candidate.id}>
                  {versionTitle(candidate)}
                </option>
              ))}
            </select>
          </label>
        )}
        {showChanges && comparison.state === 'ready' && (
          <span className="muted small history-preview__status" aria-live="polite">
            {comparisonSummary(comparison.value, version, other)}
          </span>
        )}
      </div>
      {showChanges && authors.length > 0 && <AuthorLegend authors={authors} colors={colors} />}
      <div
        className="history-preview__content"
        role="document"
        aria-label="Version content"
        aria-busy={content.state === 'loading'}
        tabIndex={0}
      >
        {content.state === 'loading' && <p className="history-state">Loading this version…</p>}
        {content.state === 'error' && (
          <p className="history-state history-state--error" role="alert">
            Could not load this version: {content.error}
          </p>
        )}
        {json && <RichContent json={json} />}
      </div>
    </section>
  )
}

/** "Same as the current document", or how many changes, from which version to which. */
function comparisonSummary(comparison: VersionComparison, version: VersionSummary, other: VersionSummary | null) {
  const total = comparison.authors.reduce(
    (sum, author) => sum + author.insertions + author.deletions + author.formatChanges,
    0,
  )
  if (total === 0) return other ? `Same as “${versionTitle(other)}”` : 'Same as the current document'
  const changes = `${total} ${total === 1 ? 'change' : 'changes'}`
  if (!other) return `${changes} since then`
  return comparison.older.id === version.id
    ? `${changes} up to “${versionTitle(other)}”`
    : `${changes} since “${versionTitle(other)}”`
}

function countText(author: ChangeAuthor): string {
  const parts = [
    author.insertions > 0 && `${author.insertions} added`,
    author.deletions > 0 && `${author.deletions} removed`,
    author.formatChanges > 0 && `${author.formatChanges} formatted`,
  ]
  return parts.filter(Boolean).join(' · ')
}

/** Who changed what, each in the colour their changes are marked with. */
function AuthorLegend({ authors, colors }: { authors: ChangeAuthor[]; colors: ReadonlyMap<string, string> }) {
  return (
    <ul className="history-authors small" aria-label="Changes by">
      {authors.map((author) => (
        <li key={author.name} className="history-author" data-author-name={author.name}>
          <span className="history-author__swatch" aria-hidden="true" style={{ background: colors.get(author.name) }} />
          <span className="history-author__name">{author.name}</span>
          <span className="muted">{countText(author)}</span>
        </li>
      ))}
    </ul>
  )
}
