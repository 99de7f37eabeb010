import { useCallback, useEffect, useRef, useState, type MouseEvent } from 'react'
import { Icon } from '../editor/icons.js'
import { AppHeader, Brand } from './app-header.js'
import { ConfirmDialog } from './confirm-dialog.js'
import {
  ApiError,
  createDocument,
  deleteDocument,
  listDocuments,
  renameDocument,
  type DocumentSummary,
} from './docs-api.js'
import { importMarkdownFile } from './import-markdown.js'
import { fullDate, relativeTime } from '../editor/relative-time.js'
import { docPath, navigate } from './router.js'
import { errorMessage } from '../../shared/errors.js'
import './document-list-page.css'

export const UNTITLED = 'Untitled document'

interface DocumentListPageProps {
  theme: 'light' | 'dark'
  onToggleTheme: () => void
}

/** `/`: every document, most recently changed first, with create, import, rename and delete. */
export function DocumentListPage({ theme, onToggleTheme }: DocumentListPageProps) {
  const [documents, setDocuments] = useState<DocumentSummary[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [renamingId, setRenamingId] = useState<string | null>(null)
  const [deleting, setDeleting] = useState<DocumentSummary | null>(null)
  const [isBusy, setBusy] = useState(false)
  const fileInput = useRef<HTMLInputElement>(null)

  const reload = useCallback(async () => {
    try {
      const list = await listDocuments()
      list.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))
      setDocuments(list)
      setError(null)
    } catch (cause) {
      setError(
        cause instanceof ApiError && (cause.status === 401 || cause.status === 403)
          ? 'This server requires an access link to list documents. Open a link with a token from whoever runs it.'
          : `Could not load documents: ${errorMessage(cause)}`,
      )
    }
  }, [])

  useEffect(() => {
    document.title = 'Documents · Tandem'
    void reload()
    // Others edit too: refresh when the writer comes back to this tab.
    const onVisible = () => document.visibilityState === 'visible' && void reload()
    document.addEventListener('visibilitychange', onVisible)
    return () => document.removeEventListener('visibilitychange', onVisible)
  }, [reload])

  const run = async (action: () => Promise<void>) => {
    setBusy(true)
    try {
      await action()
    } catch (cause) {
      setError(errorMessage(cause))
    } finally {
      setBusy(false)
    }
  }

  const create = () =>
    run(async () => {
      const created = await createDocument({})
      navigate(docPath(created.id))
    })

  const onImport = (file: File | undefined) =>
    file &&
    run(async () => {
      const created = await importMarkdownFile(file)
      navigate(docPath(created.id))
    })

  const rename = (doc: DocumentSummary, title: string) =>
    run(async () => {
      setRenamingId(null)
      if (title.trim() === doc.title) return
      await renameDocument(doc.id, title)
      await reload()
    })

  const confirmDelete = (doc: DocumentSummary) =>
    run(async () => {
      setDeleting(null)
      await deleteDocument(doc.id)
      await reload()
    })

  return (
    <div className="page">
      <AppHeader theme={theme} onToggleTheme={onToggleTheme}>
        <Brand />
        <div className="app-header__spacer" />
      </AppHeader>
      <main className="list-page">
        <div className="list-page__head">
          <h1>Documents</h1>
          <div className="list-page__actions">
            <input
              ref={fileInput}
              type="file"
              accept=".md,.markdown,text/markdown,text/plain"
              hidden
              data-testid="import-input"
              onChange={(event) => {
                void onImport(event.target.files?.[0])
                event.target.value = ''
              }}
            />
            <button type="button" className="button" onClick={() => fileInput.current?.click()} disabled={isBusy}>
              <Icon name="upload" size={16} /> Import Markdown
            </button>
            <button type="button" className="button button--primary" onClick={() => void create()} disabled={isBusy}>
              <Icon name="plus" size={16} /> New document
            </button>
          </div>
        </div>
        {error && (
          <p className="notice notice--error" role="alert">
            {error}
          </p>
        )}
        {documents === null && !error && <p className="muted">Loading…</p>}
        {documents?.length === 0 && (
          <section className="empty-state">
            <div className="empty-state__icon" aria-hidden="true">
              <Icon name="doc" size={36} />
            </div>
            <h2>Write something together</h2>
            <p>Documents you and your team create appear here. Share a link and edit at the same time.</p>
            <button type="button" className="button button--primary" onClick={() => void create()} disabled={isBusy}>
              <Icon name="plus" size={16} /> Create your first document
            </button>
          </section>
        )}
        {documents && documents.length > 0 && (
          <ul className="doc-list" aria-label="Documents">
            {documents.map((doc) => (
              <li key={doc.id} className="doc-row" data-doc-id={doc.id}>
                <span className="doc-row__icon" aria-hidden="true">
                  <Icon name="doc" />
                </span>
                {renamingId === doc.id ? (
                  <RenameField
                    doc={doc}
                    onDone={(title) => void rename(doc, title)}
                    onCancel={() => setRenamingId(null)}
                  />
                ) : (
                  <a
                    className="doc-row__link"
                    href={docPath(doc.id)}
                    onClick={(event: MouseEvent) => {
                      if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return
                      event.preventDefault()
                      navigate(docPath(doc.id))
                    }}
                  >
                    <span className={doc.title ? 'doc-row__title' : 'doc-row__title doc-row__title--untitled'}>
                      {doc.title || UNTITLED}
                    </span>
                    <time className="doc-row__time" dateTime={doc.updatedAt} title={fullDate(doc.updatedAt)}>
                      Edited {relativeTime(doc.updatedAt)}
                    </time>
                  </a>
                )}
                <div className="doc-row__actions">
                  <button
                    type="button"
                    className="icon-button"
                    aria-label={`Rename ${doc.title || UNTITLED}`}
                    title="Rename"
                    onClick={() => setRenamingId(doc.id)}
                  >
                    <Icon name="pencil" size={16} />
                  </button>
                  <button
                    type="button"
                    className="icon-button icon-button--danger"
                    aria-label={`Delete ${doc.title || UNTITLED}`}
                    title="Delete"
                    onClick={() => setDeleting(doc)}
                  >
                    <Icon name="trash" size={16} />
                  </button>
                </div>
              </li>
            ))}
          </ul>
        )}
      </main>
      {deleting && (
        <ConfirmDialog
          title="Delete this document?"
          message={`“${deleting.title || UNTITLED}” will be deleted for everyone, and anyone editing it will be disconnected. This cannot be undone.`}
          confirmLabel="Delete"
          onConfirm={() => void confirmDelete(deleting)}
          onCancel={() => setDeleting(null)}
        />
      )}
    </div>
  )
}

function RenameField({
  doc,
  onDone,
  onCancel,
}: {
  doc: DocumentSummary
  onDone: (title: string) => void
  onCancel: () => void
}) {
  const [title, setTitle] = useState(doc.title)
  // Enter submits and the input then blurs: finish once.
  const isDone = useRef(false)
  const finish = () => {
    if (isDone.current) return
    isDone.current = true
    onDone(title)
  }
  return (
    <form
      className="doc-row__rename"
      onSubmit={(event) => {
        event.preventDefault()
        finish()
      }}
    >
      <input
        aria-label="Document title"
        value={title}
        placeholder={UNTITLED}
        maxLength={200}
        autoFocus
        onFocus={(event) => event.target.select()}
        onChange={(event) => setTitle(event.target.value)}
        onBlur={finish}
        onKeyDown={(event) => {
          if (event.key !== 'Escape') return
          isDone.current = true
          onCancel()
        }}
      />
    </form>
  )
}
