import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import type * as Y from 'yjs'
import { errorMessage } from '../../../shared/errors.js'
import { Icon } from '../../editor/icons.js'
import { ConfirmDialog } from '../confirm-dialog.js'
import { listVersions, nameCurrentVersion, renameVersion, restoreVersion, type VersionSummary } from '../docs-api.js'
import { NameForm } from './name-form.js'
import { VersionList } from './version-list.js'
import { VersionPreview } from './version-preview.js'
import { versionTitle } from './version-title.js'
import './history-panel.css'

/** How often the open panel re-reads the list (metadata only: an index scan on the server). */
const REFRESH_MS = 4000
export const HISTORY_PANEL_ID = 'history-panel'
const HISTORY_BUTTON_ID = 'history-button'

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
      <Icon name="clock" size={16} />
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
  /** Who is here now (presence), so their changes show in their caret colour. */
  present?: readonly { name: string; color: string }[]
  onClose: () => void
}

type Naming = { target: 'current' } | { target: 'version'; version: VersionSummary } | null

/** Version history beside the editor: the list, a read-only preview with changes since, restore and naming. */
export function HistoryPanel({ docId, doc, canEdit, present = [], onClose }: HistoryPanelProps) {
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

  // Keyed by content, so a presence update that changes no colour does not re-render the preview.
  const presentKey = present.map((user) => `${user.name}\u0000${user.color}`).join('\u0001')
  const presentColors = useMemo(
    () =>
      new Map(
        presentKey === '' ? [] : presentKey.split('\u0001').map((entry) => entry.split('\u0000') as [string, string]),
      ),
    [presentKey],
  )

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
            <Icon name="close" />
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
          versions={versions ?? []}
          presentColors={presentColors}
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
