import { useEffect, useMemo, useState } from 'react'
import type * as Y from 'yjs'
import { errorMessage } from '../../../shared/errors.js'
import { fetchVersionText, type VersionSummary } from '../docs-api.js'
import { fullDate } from '../../editor/relative-time.js'
import { diffBlocks, type DiffBlock } from './diff-blocks.js'
import { useLiveText } from './live-document-text.js'
import { NameForm } from './name-form.js'
import { versionTitle } from './version-title.js'

interface VersionPreviewProps {
  docId: string
  /** The live document, compared with the version as it changes. */
  doc: Y.Doc
  version: VersionSummary
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

type VersionText = { state: 'loading' } | { state: 'ready'; text: string } | { state: 'error'; error: string }

/** One version, read-only, with what changed since marked (or hidden), and its name and restore actions. */
export function VersionPreview({
  docId,
  doc,
  version,
  canEdit,
  naming,
  onBack,
  onName,
  onCancelName,
  onSubmitName,
  onRestore,
}: VersionPreviewProps) {
  const [content, setContent] = useState<VersionText>({ state: 'loading' })
  const [showChanges, setShowChanges] = useState(true)
  const liveText = useLiveText(doc)

  useEffect(() => {
    let isCurrent = true
    fetchVersionText(docId, version.id)
      .then((text) => isCurrent && setContent({ state: 'ready', text }))
      .catch((error: unknown) => isCurrent && setContent({ state: 'error', error: errorMessage(error) }))
    return () => {
      isCurrent = false
    }
  }, [docId, version.id])

  const blocks = useMemo(
    () => (content.state === 'ready' ? diffBlocks(content.text, liveText) : []),
    [content, liveText],
  )
  const changedBlocks = blocks.filter((block) => block.kind !== 'same').length

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
        {content.state === 'ready' && (
          <span className="muted small" aria-live="polite">
            {changedBlocks === 0
              ? 'Same as the current document'
              : `${changedBlocks} ${changedBlocks === 1 ? 'paragraph differs' : 'paragraphs differ'} from now`}
          </span>
        )}
      </div>
      {showChanges && content.state === 'ready' && changedBlocks > 0 && (
        <p className="history-legend small">
          {hasPieces(blocks, 'added') && <ins className="history-diff__added">added since</ins>}
          {hasPieces(blocks, 'removed') && <del className="history-diff__removed">removed since</del>}
        </p>
      )}
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
        {content.state === 'ready' && blocks.length === 0 && <p className="history-state">This version is empty.</p>}
        {content.state === 'ready' &&
          blocks.map((block, index) => <DiffParagraph key={index} block={block} showChanges={showChanges} />)}
      </div>
    </section>
  )
}

function hasPieces(blocks: DiffBlock[], kind: 'added' | 'removed'): boolean {
  return blocks.some((block) => block.pieces.some((piece) => piece.kind === kind))
}

/** One block: as it was (changes off), or as it was with what changed since marked (changes on). */
function DiffParagraph({ block, showChanges }: { block: DiffBlock; showChanges: boolean }) {
  if (!showChanges && block.kind === 'added') return null
  return (
    <p className={`history-block history-block--${showChanges ? block.kind : 'same'}`}>
      {block.pieces.map((piece, index) => {
        if (!showChanges) return piece.kind === 'added' ? null : <span key={index}>{piece.text}</span>
        if (piece.kind === 'added') {
          return (
            <ins key={index} className="history-diff__added">
              {piece.text}
            </ins>
          )
        }
        if (piece.kind === 'removed') {
          return (
            <del key={index} className="history-diff__removed">
              {piece.text}
            </del>
          )
        }
        return <span key={index}>{piece.text}</span>
      })}
    </p>
  )
}
