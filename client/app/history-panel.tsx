import { useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react'
import * as Y from 'yjs'
import { DOCUMENT_FIELD } from '../editor/extensions.js'
import { ConfirmDialog } from './confirm-dialog.js'
import {
  fetchVersionText,
  listVersions,
  nameCurrentVersion,
  renameVersion,
  restoreVersion,
  type VersionSummary,
} from './docs-api.js'
import { fullDate, relativeTime } from './relative-time.js'
import './history-panel.css'
import { errorMessage } from '../../shared/errors.js'

/** How often the open panel re-reads the list (metadata only: an index scan on the server). */
const REFRESH_MS = 4000
/** Above this many cells (lines × lines, or words × words) a diff falls back to "all replaced". */
const MAX_DIFF_CELLS = 4_000_000
export const HISTORY_PANEL_ID = 'history-panel'
const HISTORY_BUTTON_ID = 'history-button'

// ---------------------------------------------------------------------------------------------
// Diff: blocks (one per line of the text rendering), then words inside blocks that changed.
// ---------------------------------------------------------------------------------------------

type Op<T> = { kind: 'same'; value: T } | { kind: 'removed'; value: T } | { kind: 'added'; value: T }

/** Longest-common-subsequence diff of `a` (then) into `b` (now), common prefix and suffix trimmed first. */
export function diffSequences<T>(a: readonly T[], b: readonly T[]): Op<T>[] {
  let start = 0
  while (start < a.length && start < b.length && a[start] === b[start]) start++
  let endA = a.length
  let endB = b.length
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--
    endB--
  }
  const same = (value: T): Op<T> => ({ kind: 'same', value })
  const removed = (value: T): Op<T> => ({ kind: 'removed', value })
  const added = (value: T): Op<T> => ({ kind: 'added', value })
  const midA = a.slice(start, endA)
  const midB = b.slice(start, endB)
  const middle: Op<T>[] = []
  const n = midA.length
  const m = midB.length
  if (n * m > MAX_DIFF_CELLS) {
    middle.push(...midA.map(removed), ...midB.map(added))
  } else {
    // lengths[i * (m + 1) + j]: LCS length of midA[i..] and midB[j..]
    const lengths = new Uint32Array((n + 1) * (m + 1))
    const lcs = (i: number, j: number) => lengths[i * (m + 1) + j] ?? 0
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lengths[i * (m + 1) + j] = midA[i] === midB[j] ? lcs(i + 1, j + 1) + 1 : Math.max(lcs(i + 1, j), lcs(i, j + 1))
      }
    }
    let i = 0
    let j = 0
    while (i < n && j < m) {
      const fromA = midA[i] as T
      const fromB = midB[j] as T
      if (fromA === fromB) {
        middle.push(same(fromA))
        i++
        j++
      } else if (lcs(i + 1, j) >= lcs(i, j + 1)) {
        middle.push(removed(fromA))
        i++
      } else {
        middle.push(added(fromB))
        j++
      }
    }
    middle.push(...midA.slice(i).map(removed), ...midB.slice(j).map(added))
  }
  return [...a.slice(0, start).map(same), ...middle, ...a.slice(endA).map(same)]
}

export interface DiffPiece {
  kind: 'same' | 'added' | 'removed'
  text: string
}

export interface DiffBlock {
  kind: 'same' | 'added' | 'removed' | 'changed'
  pieces: DiffPiece[]
}

function wordDiff(then: string, now: string): DiffPiece[] {
  const tokens = (line: string) => line.split(/(\s+)/).filter((token) => token !== '')
  const pieces: DiffPiece[] = []
  for (const op of diffSequences(tokens(then), tokens(now))) {
    const last = pieces.at(-1)
    if (last && last.kind === op.kind) last.text += op.value
    else pieces.push({ kind: op.kind, text: op.value })
  }
  return pieces
}

/** Blocks of the version's text against the live text: equal, removed since, added since, or changed (word diff). */
export function diffBlocks(thenText: string, nowText: string): DiffBlock[] {
  const lines = (text: string) =>
    text
      .split('\n')
      .map((line) => line.trimEnd())
      .filter((line) => line.trim() !== '')
  const blocks: DiffBlock[] = []
  let removed: string[] = []
  let added: string[] = []
  const flush = () => {
    const paired = Math.min(removed.length, added.length)
    for (let k = 0; k < paired; k++) {
      blocks.push({ kind: 'changed', pieces: wordDiff(removed[k] ?? '', added[k] ?? '') })
    }
    for (const text of removed.slice(paired)) blocks.push({ kind: 'removed', pieces: [{ kind: 'removed', text }] })
    for (const text of added.slice(paired)) blocks.push({ kind: 'added', pieces: [{ kind: 'added', text }] })
    removed = []
    added = []
  }
  for (const op of diffSequences(lines(thenText), lines(nowText))) {
    if (op.kind === 'removed') removed.push(op.value)
    else if (op.kind === 'added') added.push(op.value)
    else {
      flush()
      blocks.push({ kind: 'same', pieces: [{ kind: 'same', text: op.value }] })
    }
  }
  flush()
  return blocks
}

/**
 * The live document's text with one line per text block, like the server's `?format=text`
 * rendering of a version (hard breaks become line breaks too), so the two can be compared.
 */
export function liveDocumentText(doc: Y.Doc): string {
  const blocks: string[] = []
  const walk = (parent: Y.XmlFragment | Y.XmlElement) => {
    const children = parent.toArray()
    if (children.some((child) => child instanceof Y.XmlText)) {
      let text = ''
      for (const child of children) {
        if (child instanceof Y.XmlText) {
          for (const op of child.toDelta() as { insert?: unknown }[]) {
            if (typeof op.insert === 'string') text += op.insert
          }
        } else if (child instanceof Y.XmlElement && child.nodeName === 'hardBreak') {
          text += '\n'
        }
      }
      blocks.push(text)
      return
    }
    for (const child of children) if (child instanceof Y.XmlElement) walk(child)
  }
  walk(doc.getXmlFragment(DOCUMENT_FIELD))
  return blocks.join('\n')
}

/** The live text, recomputed (debounced) as the document changes. */
function useLiveText(doc: Y.Doc): string {
  const [text, setText] = useState(() => liveDocumentText(doc))
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined
    const onUpdate = () => {
      clearTimeout(timer)
      timer = setTimeout(() => setText(liveDocumentText(doc)), 250)
    }
    setText(liveDocumentText(doc))
    doc.on('update', onUpdate)
    return () => {
      clearTimeout(timer)
      doc.off('update', onUpdate)
    }
  }, [doc])
  return text
}

// ---------------------------------------------------------------------------------------------
// Components
// ---------------------------------------------------------------------------------------------

function versionTitle(version: VersionSummary): string {
  return version.name ?? `Version of ${fullDate(version.createdAt)}`
}

function ClockIcon({ size = 18 }: { size?: number }) {
  return (
    <svg
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth={2}
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      <path d="M3.5 12a8.5 8.5 0 1 0 2.5-6M3 4v4h4M12 7.5V12l3 2" />
    </svg>
  )
}

/** The header button that opens and closes the panel. */
export function HistoryButton({ isOpen, onToggle }: { isOpen: boolean; onToggle: () => void }) {
  return (
    <button
      type="button"
      id={HISTORY_BUTTON_ID}
      className={`button history-button${isOpen ? ' history-button--open' : ''}`}
      aria-expanded={isOpen}
      aria-controls={isOpen ? HISTORY_PANEL_ID : undefined}
      aria-label="History"
      title="Version history"
      onClick={onToggle}
    >
      <ClockIcon size={16} />
      <span className="hide-narrow">History</span>
    </button>
  )
}

interface HistoryPanelProps {
  docId: string
  /** The live document, to compare versions with and to see restores arrive. */
  doc: Y.Doc
  /** Edit access: naming and restoring. View-only users list and read. */
  canEdit: boolean
  onClose: () => void
}

type Naming = { target: 'current' } | { target: 'version'; version: VersionSummary } | null

/** Version history beside the editor: the list, a read-only preview with changes since, restore and naming. */
export function HistoryPanel({ docId, doc, canEdit, onClose }: HistoryPanelProps) {
  const [versions, setVersions] = useState<VersionSummary[] | null>(null)
  const [listError, setListError] = useState<string | null>(null)
  const [selectedId, setSelectedId] = useState<number | null>(null)
  const [naming, setNaming] = useState<Naming>(null)
  const [isConfirmingRestore, setConfirmingRestore] = useState(false)
  const [message, setMessage] = useState<{ text: string; isError: boolean } | null>(null)
  const [now, setNow] = useState(() => Date.now())
  const panelRef = useRef<HTMLElement>(null)

  const refresh = useCallback(async () => {
    try {
      const next = await listVersions(docId)
      setVersions(next)
      setListError(null)
    } catch (error) {
      setListError(errorMessage(error))
    } finally {
      setNow(Date.now())
    }
  }, [docId])

  useEffect(() => {
    void refresh()
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') void refresh()
    }, REFRESH_MS)
    return () => clearInterval(timer)
  }, [refresh])

  useEffect(() => {
    panelRef.current?.querySelector<HTMLElement>('h2')?.focus()
  }, [])

  useEffect(() => {
    if (!message || message.isError) return
    const timer = setTimeout(() => setMessage(null), 6000)
    return () => clearTimeout(timer)
  }, [message])

  const close = () => {
    onClose()
    document.getElementById(HISTORY_BUTTON_ID)?.focus()
  }

  const selected = versions?.find((version) => version.id === selectedId) ?? null

  const submitName = async (name: string) => {
    const current = naming
    if (!current) return
    try {
      if (current.target === 'current') {
        const created = await nameCurrentVersion(docId, name)
        setSelectedId(created.id)
        setMessage({ text: `Saved the current version as “${created.name ?? name}”.`, isError: false })
      } else {
        const renamed = await renameVersion(docId, current.version.id, name.trim() === '' ? null : name)
        setMessage({ text: renamed.name ? `Named “${renamed.name}”.` : 'Name removed.', isError: false })
      }
      setNaming(null)
      await refresh()
    } catch (error) {
      setMessage({ text: `Could not name the version: ${errorMessage(error)}`, isError: true })
    }
  }

  const restore = async () => {
    setConfirmingRestore(false)
    if (!selected) return
    try {
      const { savedBefore } = await restoreVersion(docId, selected.id)
      setMessage({
        text: `Restored. The document as it was just before is kept as “${savedBefore.name ?? 'a version'}”.`,
        isError: false,
      })
      await refresh()
    } catch (error) {
      setMessage({ text: `Could not restore: ${errorMessage(error)}`, isError: true })
    }
  }

  return (
    <aside
      ref={panelRef}
      id={HISTORY_PANEL_ID}
      className={`history-panel${selected ? ' history-panel--with-preview' : ''}`}
      aria-labelledby="history-panel-title"
      onKeyDown={(event) => {
        if (event.key === 'Escape' && !naming && !isConfirmingRestore && !event.defaultPrevented) close()
      }}
    >
      <section className="history-list-pane" aria-label="Versions">
        <div className="history-panel__head">
          <h2 id="history-panel-title" tabIndex={-1}>
            History
          </h2>
          <button type="button" className="icon-button" aria-label="Close history" title="Close" onClick={close}>
            <CloseIcon />
          </button>
        </div>
        {canEdit && naming?.target !== 'current' && (
          <button
            type="button"
            className="button history-panel__name-current"
            onClick={() => setNaming({ target: 'current' })}
          >
            Name current version
          </button>
        )}
        {naming?.target === 'current' && (
          <NameForm
            label="Name for the current version"
            initial=""
            onCancel={() => setNaming(null)}
            onSubmit={(name) => void submitName(name)}
          />
        )}
        {message && (
          <p className={`history-message${message.isError ? ' history-message--error' : ''}`} role="status">
            {message.text}
          </p>
        )}
        <VersionList
          versions={versions}
          error={listError}
          selectedId={selectedId}
          now={now}
          onSelect={(id) => {
            setSelectedId(id)
            setNaming((current) => (current?.target === 'version' ? null : current))
          }}
          onRetry={() => void refresh()}
        />
      </section>
      {selected && (
        <VersionPreview
          key={selected.id}
          docId={docId}
          doc={doc}
          version={selected}
          canEdit={canEdit}
          naming={naming?.target === 'version'}
          onBack={() => setSelectedId(null)}
          onName={() => setNaming({ target: 'version', version: selected })}
          onCancelName={() => setNaming(null)}
          onSubmitName={(name) => void submitName(name)}
          onRestore={() => setConfirmingRestore(true)}
        />
      )}
      {isConfirmingRestore && selected && (
        <ConfirmDialog
          title="Restore this version?"
          message={`The document will become “${versionTitle(selected)}” for everyone editing it. The current state is kept as a version first, so you can go back to it.`}
          confirmLabel="Restore"
          onConfirm={() => void restore()}
          onCancel={() => setConfirmingRestore(false)}
        />
      )}
    </aside>
  )
}

function CloseIcon() {
  return (
    <svg
      width={18}
      height={18}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth={2}
      strokeLinecap="round"
      aria-hidden="true"
      focusable="false"
    >
      <path d="M6 6l12 12M18 6 6 18" />
    </svg>
  )
}

function VersionList({
  versions,
  error,
  selectedId,
  now,
  onSelect,
  onRetry,
}: {
  versions: VersionSummary[] | null
  error: string | null
  selectedId: number | null
  now: number
  onSelect: (id: number) => void
  onRetry: () => void
}) {
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
      (version) => String(version.id) === document.activeElement?.id.slice('history-version-'.length),
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
    listRef.current?.querySelector<HTMLElement>(`#history-version-${target.id}`)?.focus()
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
              id={`history-version-${version.id}`}
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

function NameForm({
  label,
  initial,
  onSubmit,
  onCancel,
}: {
  label: string
  initial: string
  onSubmit: (name: string) => void
  onCancel: () => void
}) {
  const [value, setValue] = useState(initial)
  return (
    <form
      className="history-name-form"
      onSubmit={(event) => {
        event.preventDefault()
        onSubmit(value.trim())
      }}
      onKeyDown={(event) => {
        if (event.key === 'Escape') {
          event.preventDefault()
          onCancel()
        }
      }}
    >
      <input
        aria-label={label}
        placeholder="e.g. Before the rewrite"
        value={value}
        maxLength={200}
        autoFocus
        onChange={(event) => setValue(event.target.value)}
      />
      <div className="history-name-form__actions">
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="button button--primary" disabled={value.trim() === '' && initial === ''}>
          Save name
        </button>
      </div>
    </form>
  )
}

type VersionText = { state: 'loading' } | { state: 'ready'; text: string } | { state: 'error'; error: string }

function VersionPreview({
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
}: {
  docId: string
  doc: Y.Doc
  version: VersionSummary
  canEdit: boolean
  naming: boolean
  onBack: () => void
  onName: () => void
  onCancelName: () => void
  onSubmitName: (name: string) => void
  onRestore: () => void
}) {
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
