import { useCallback, useEffect, useRef, useState, type MouseEvent, type ReactNode } from 'react'
import { Icon } from '../editor/icons.js'
import { tokenFor } from './access-token.js'
import { AppHeader, Brand } from './app-header.js'
import { ConfirmDialog } from './confirm-dialog.js'
import {
  ApiError,
  createDocument,
  deleteDocument,
  listDocuments,
  newDocumentId,
  renameDocument,
  type DocumentSummary,
} from './docs-api.js'
import { importMarkdownFile } from './import-markdown.js'
import { fullDate, relativeTime } from '../editor/relative-time.js'
import { forgetRecent, recentDocuments, type RecentDocument } from './recent-documents.js'
import { docPath, navigate } from './router.js'
import { myDocuments, type ListedDocument, type MyDocuments } from './sharing-api.js'
import { currentSession, isSignInOffered, signInHref, type SignedInPerson } from './sign-in.js'
import { errorMessage } from '../../shared/errors.js'
import { UNTITLED } from './document-title.js'
import type { Role } from '../../shared/roles.js'
import './document-list-page.css'

interface DocumentListPageProps {
  theme: 'light' | 'dark'
  onToggleTheme: () => void
}

/**
 * What the list shows:
 * - `all`: every document the server lists (open mode, or AUTH_SECRET with a list link), as always;
 * - `mine`: with sign-in, the person's own, those shared with them (and for administrators all);
 * - `signed-out`: with sign-in, nobody signed in and no list link: how to get in.
 */
type Listing =
  | { kind: 'all'; documents: DocumentSummary[] }
  | { kind: 'mine'; mine: MyDocuments; person: SignedInPerson }
  | { kind: 'signed-out' }

async function loadListing(): Promise<Listing> {
  const session = await currentSession()
  // A list link (`/?token=`) keeps working as it always did, signed in or not.
  if (isSignInOffered(session) && tokenFor() === undefined) {
    if (session.kind !== 'signed-in') return { kind: 'signed-out' }
    return { kind: 'mine', mine: await myDocuments(), person: session.person }
  }
  const documents = await listDocuments()
  documents.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))
  return { kind: 'all', documents }
}

/**
 * The id for a new document: with sign-in the app names it (asking for the new id's token makes
 * the signed-in person its owner, and that token creates it); otherwise the server does.
 */
async function newId(): Promise<string | undefined> {
  return isSignInOffered(await currentSession()) && tokenFor() === undefined ? newDocumentId() : undefined
}

/** `/`: the documents, most recently changed first, with create, import, rename and delete. */
export function DocumentListPage({ theme, onToggleTheme }: DocumentListPageProps) {
  const [listing, setListing] = useState<Listing | null>(null)
  const [error, setError] = useState<string | null>(null)
  /** The row being renamed, as `<list label>:<docId>` (a document may be in two lists). */
  const [renamingId, setRenamingId] = useState<string | null>(null)
  const [deleting, setDeleting] = useState<ListedDocument | null>(null)
  const [isBusy, setBusy] = useState(false)
  const fileInput = useRef<HTMLInputElement>(null)
  const personId = listing?.kind === 'mine' ? listing.person.id : null
  const [recent, setRecent] = useState<RecentDocument[]>([])

  const reload = useCallback(async () => {
    try {
      setListing(await loadListing())
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

  // "Recent" exists only where sign-in does (the full list covers it elsewhere).
  const showsRecent = listing?.kind === 'mine' || listing?.kind === 'signed-out'
  useEffect(() => {
    if (showsRecent) setRecent(recentDocuments(personId))
  }, [showsRecent, personId, listing])

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
      const created = await createDocument({ id: await newId() })
      navigate(docPath(created.id))
    })

  const onImport = (file: File | undefined) =>
    file &&
    run(async () => {
      const created = await importMarkdownFile(file, await newId())
      navigate(docPath(created.id))
    })

  const rename = (doc: ListedDocument, title: string) =>
    run(async () => {
      setRenamingId(null)
      if (title.trim() === doc.title) return
      await renameDocument(doc.id, title)
      await reload()
    })

  const confirmDelete = (doc: ListedDocument) =>
    run(async () => {
      setDeleting(null)
      await deleteDocument(doc.id)
      forgetRecent(personId, doc.id)
      await reload()
    })

  const rowsFor = (documents: RowDocument[], allowed: (doc: RowDocument) => RowActions, label: string) => (
    <DocumentRows
      label={label}
      documents={documents}
      actions={allowed}
      renamingId={renamingId}
      onRenameStart={setRenamingId}
      onRename={(doc, title) => void rename(doc, title)}
      onRenameCancel={() => setRenamingId(null)}
      onDelete={setDeleting}
    />
  )
  // Signed out with sign-in, creating waits for signing in (the intro says so).
  const canCreate = listing?.kind !== 'signed-out'

  return (
    <div className="page">
      <AppHeader theme={theme} onToggleTheme={onToggleTheme}>
        <Brand />
        <div className="app-header__spacer" />
      </AppHeader>
      <main className="list-page">
        <div className="list-page__head">
          <h1>Documents</h1>
          {canCreate && (
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
          )}
        </div>
        {error && (
          <p className="notice notice--error" role="alert">
            {error}
          </p>
        )}
        {listing === null && !error && <p className="muted">Loading…</p>}
        {listing?.kind === 'signed-out' && <SignedOutIntro />}
        {showsRecent && recent.length > 0 && (
          <ListSection id="list-recent" title="Recent">
            {rowsFor(recent.map(fromRecent), () => NO_ACTIONS, 'Recent')}
          </ListSection>
        )}
        {listing?.kind === 'mine' && (
          <>
            <ListSection id="list-mine" title="My documents">
              {listing.mine.owned.length === 0 ? (
                <p className="muted list-section__empty">Documents you create appear here.</p>
              ) : (
                rowsFor(listing.mine.owned.map(fromListed), () => ALL_ACTIONS, 'My documents')
              )}
            </ListSection>
            <ListSection id="list-shared" title="Shared with me">
              {listing.mine.shared.length === 0 ? (
                <p className="muted list-section__empty">Documents others share with you appear here.</p>
              ) : (
                rowsFor(
                  listing.mine.shared.map((doc) => ({ ...fromListed(doc), role: doc.role })),
                  // Deleting is the owner's business here, as in the other office suites.
                  (doc) => (doc.role === 'edit' ? RENAME_ONLY : NO_ACTIONS),
                  'Shared with me',
                )
              )}
            </ListSection>
            {listing.mine.all && (
              <ListSection id="list-all" title="All documents">
                {listing.mine.all.length === 0 ? (
                  <p className="muted list-section__empty">This server has no documents yet.</p>
                ) : (
                  rowsFor(listing.mine.all.map(fromListed), () => ALL_ACTIONS, 'All documents')
                )}
              </ListSection>
            )}
          </>
        )}
        {listing?.kind === 'all' && listing.documents.length === 0 && (
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
        {listing?.kind === 'all' &&
          listing.documents.length > 0 &&
          rowsFor(listing.documents.map(fromListed), () => ALL_ACTIONS, 'Documents')}
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

/** With sign-in and nobody signed in: what this is and how to get in, instead of an error. */
function SignedOutIntro() {
  return (
    <section className="signed-out" aria-labelledby="signed-out-title">
      <h2 id="signed-out-title">Sign in to see your documents</h2>
      <p>
        This Tandem belongs to a team. Sign in with your organisation’s account to see the documents you own and those
        shared with you, and to create new ones. A link someone sent you opens without signing in when its owner allows
        that.
      </p>
      <a className="button button--primary" href={signInHref()}>
        Sign in
      </a>
    </section>
  )
}

function ListSection({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <section className="list-section" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  )
}

/** A row: a listed document, or a recent one (opened, not edited, is its time). */
interface RowDocument extends ListedDocument {
  /** Shared with me: the role it was shared with. */
  role?: Role
  /** Recent: when this browser opened it. */
  openedAt?: string
}

interface RowActions {
  canRename: boolean
  canDelete: boolean
}
const ALL_ACTIONS: RowActions = { canRename: true, canDelete: true }
const RENAME_ONLY: RowActions = { canRename: true, canDelete: false }
const NO_ACTIONS: RowActions = { canRename: false, canDelete: false }

const ROLE_BADGES: Record<Role, string> = { view: 'Can view', comment: 'Can comment', edit: 'Can edit' }

function fromListed(doc: ListedDocument): RowDocument {
  return { id: doc.id, title: doc.title, createdAt: doc.createdAt, updatedAt: doc.updatedAt }
}

function fromRecent(doc: RecentDocument): RowDocument {
  return { id: doc.id, title: doc.title, createdAt: doc.openedAt, updatedAt: doc.openedAt, openedAt: doc.openedAt }
}

function DocumentRows({
  label,
  documents,
  actions,
  renamingId,
  onRenameStart,
  onRename,
  onRenameCancel,
  onDelete,
}: {
  label: string
  documents: RowDocument[]
  actions: (doc: RowDocument) => RowActions
  renamingId: string | null
  /** Called with `<label>:<docId>`. */
  onRenameStart: (key: string) => void
  onRename: (doc: RowDocument, title: string) => void
  onRenameCancel: () => void
  onDelete: (doc: RowDocument) => void
}) {
  return (
    <ul className="doc-list" aria-label={label}>
      {documents.map((doc) => {
        const { canRename, canDelete } = actions(doc)
        const time = doc.openedAt ?? doc.updatedAt
        return (
          <li key={doc.id} className="doc-row" data-doc-id={doc.id}>
            <span className="doc-row__icon" aria-hidden="true">
              <Icon name="doc" />
            </span>
            {renamingId === `${label}:${doc.id}` && canRename ? (
              <RenameField doc={doc} onDone={(title) => onRename(doc, title)} onCancel={onRenameCancel} />
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
                {doc.role && <span className="badge doc-row__role">{ROLE_BADGES[doc.role]}</span>}
                <time className="doc-row__time" dateTime={time} title={fullDate(time)}>
                  {doc.openedAt ? 'Opened' : 'Edited'} {relativeTime(time)}
                </time>
              </a>
            )}
            {(canRename || canDelete) && (
              <div className="doc-row__actions">
                {canRename && (
                  <button
                    type="button"
                    className="icon-button"
                    aria-label={`Rename ${doc.title || UNTITLED}`}
                    title="Rename"
                    onClick={() => onRenameStart(`${label}:${doc.id}`)}
                  >
                    <Icon name="pencil" size={16} />
                  </button>
                )}
                {canDelete && (
                  <button
                    type="button"
                    className="icon-button icon-button--danger"
                    aria-label={`Delete ${doc.title || UNTITLED}`}
                    title="Delete"
                    onClick={() => onDelete(doc)}
                  >
                    <Icon name="trash" size={16} />
                  </button>
                )}
              </div>
            )}
          </li>
        )
      })}
    </ul>
  )
}

function RenameField({
  doc,
  onDone,
  onCancel,
}: {
  doc: ListedDocument
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
