import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react'
import { CollaborativeEditor } from '../editor/collaborative-editor.js'
import { tokenRole } from '../editor/comments/threads-binding.js'
import { usePresence, useSyncStatus, useTandemProvider } from '../editor/hooks.js'
import { Icon } from '../editor/icons.js'
import { AccessMessage } from './access-message.js'
import { AppHeader } from './app-header.js'
import { HistoryButton, HistoryPanel } from './history/history-panel.js'
import { tokenFor } from './access-token.js'
import { useAccessRecovery, useDocumentAccess } from './document-gate.js'
import {
  fetchContent,
  getAccess,
  getDocument,
  renameDocument,
  shareLink,
  type DocumentAccess,
  type ExportFormat,
} from './docs-api.js'
import { UNTITLED } from './document-title.js'
import { useIdentity } from './identity.js'
import { PresenceBar } from './presence-bar.js'
import { forgetRecent, rememberOpened } from './recent-documents.js'
import { navigate } from './router.js'
import { ShareDialog } from './share-dialog.js'
import { isSignInOffered, useSession } from './sign-in.js'
import { StatusPill } from './status-pill.js'
import { errorMessage } from '../../shared/errors.js'
import type { Role } from '../../shared/roles.js'
import './editor-page.css'

interface EditorPageProps {
  docId: string
  theme: 'light' | 'dark'
  onToggleTheme: () => void
}

/** `/d/<docId>`: the document, who is in it, whether it is saved, and share / export. */
export function EditorPage({ docId, theme, onToggleTheme }: EditorPageProps) {
  const session = useSession()
  const isSignInServer = session !== null && isSignInOffered(session)
  const person = session?.kind === 'signed-in' ? session.person : null
  // How this page reaches the document: no token, a share link's, or (with sign-in) the session's.
  const access = useDocumentAccess(docId, session)
  const { gate } = access
  const provider = useTandemProvider(
    gate.kind === 'open' ? { docId, serverUrl: location.origin, token: access.token, threads: true } : null,
  )
  const status = useSyncStatus(provider)
  useAccessRecovery(docId, provider, status, access)
  const users = usePresence(provider)
  // Signed in: carets and presence carry the verified name and colour, not one typed here.
  const verified = useMemo(() => (person ? { name: person.name, color: person.colour } : null), [person])
  const [identity, setIdentity] = useIdentity(verified)
  const [title, setTitle] = useState('')
  const [serverAccess, setServerAccess] = useState<DocumentAccess | null>(null)
  const [notice, setNotice] = useState<string | null>(null)
  const [isHistoryOpen, setHistoryOpen] = useState(false)
  const [isShareOpen, setShareOpen] = useState(false)
  // Until the server says, the token's own role claim (a comment link must not open in Editing).
  const [tokenRoleClaim] = useState(() => tokenRole(tokenFor(docId)))
  const usesSessionTokens = gate.kind === 'open' && gate.tokens === 'session'
  const role = (usesSessionTokens ? access.sessionRole : null) ?? serverAccess?.role ?? tokenRoleClaim ?? 'edit'
  const isViewOnly = role === 'view'
  const canEdit = role === 'edit'
  const isOpen = gate.kind === 'open'

  useEffect(() => {
    if (!isOpen) return
    let isCurrent = true
    getDocument(docId)
      .then((info) => isCurrent && setTitle(info?.title ?? ''))
      .catch(() => undefined) // the title is cosmetic; the editor works without it
    getAccess(docId)
      .then((result) => isCurrent && setServerAccess(result))
      .catch(() => undefined) // refused access shows in the sync status (4401/4403) with the reason
    return () => {
      isCurrent = false
    }
  }, [docId, isOpen])

  // "Recent" on the list page (servers with sign-in): documents this browser opened, once the server let it in.
  const personId = person?.id ?? null
  useEffect(() => {
    if (isSignInServer && isOpen && status.isSynced) rememberOpened(personId, docId, title)
  }, [isSignInServer, isOpen, status.isSynced, personId, docId, title])
  useEffect(() => {
    if (gate.kind === 'no-access') forgetRecent(personId, docId)
  }, [gate.kind, personId, docId])

  useEffect(() => {
    document.title = `${title || UNTITLED} · Tandem`
  }, [title])

  useEffect(() => {
    if (!notice) return
    const timer = setTimeout(() => setNotice(null), 2500)
    return () => clearTimeout(timer)
  }, [notice])

  const saveTitle = async (next: string) => {
    if (next.trim() === title) return
    try {
      const info = await renameDocument(docId, next)
      setTitle(info.title)
    } catch (error) {
      setNotice(`Could not rename: ${errorMessage(error)}`)
    }
  }

  const share = async (role: Role) => {
    let url = `${location.origin}/d/${encodeURIComponent(docId)}`
    try {
      if (serverAccess?.authRequired) url = await shareLink(docId, role)
    } catch (error) {
      setNotice(`Could not make a link: ${errorMessage(error)}`)
      return
    }
    const what = !serverAccess?.authRequired
      ? 'Anyone with the link can edit.'
      : role === 'view'
        ? 'View-only link: people with it can read, not change.'
        : role === 'comment'
          ? 'Comment link: people with it can read and comment, not change the text.'
          : 'Edit link: people with it can change the document.'
    try {
      await navigator.clipboard.writeText(url)
      setNotice(`Link copied. ${what}`)
    } catch {
      window.prompt(`Copy this link to share the document. ${what}`, url)
    }
  }

  const download = async (format: ExportFormat) => {
    try {
      const body = await fetchContent(docId, format)
      const type = format === 'markdown' ? 'text/markdown' : 'text/html'
      const name = `${(title || 'document').replace(/[\\/:*?"<>|]+/g, '-')}.${format === 'markdown' ? 'md' : 'html'}`
      const url = URL.createObjectURL(new Blob([body], { type: `${type};charset=utf-8` }))
      const link = Object.assign(document.createElement('a'), { href: url, download: name })
      document.body.append(link)
      link.click()
      link.remove()
      setTimeout(() => URL.revokeObjectURL(url), 10_000)
    } catch (error) {
      setNotice(errorMessage(error))
    }
  }

  const backLink = (
    <a
      className="icon-button back-link"
      href="/"
      aria-label="All documents"
      title="All documents"
      onClick={(event) => {
        event.preventDefault()
        navigate('/')
      }}
    >
      <Icon name="back" />
    </a>
  )

  if (gate.kind === 'sign-in-needed' || gate.kind === 'no-access') {
    return (
      <div className="page page--editor">
        <AppHeader theme={theme} onToggleTheme={onToggleTheme}>
          {backLink}
          <div className="app-header__spacer" />
        </AppHeader>
        <main className="list-page">
          <AccessMessage reason={gate.kind} hadAccess={gate.hadAccess} email={person?.email ?? null} />
        </main>
      </div>
    )
  }

  return (
    <div className="page page--editor">
      <AppHeader theme={theme} onToggleTheme={onToggleTheme}>
        {backLink}
        <TitleField title={title} isReadOnly={!canEdit} onSave={(next) => void saveTitle(next)} />
        <div className="app-header__spacer" />
        {isViewOnly && <span className="badge">View only</span>}
        {role === 'comment' && <span className="badge">Can comment</span>}
        <StatusPill status={status} />
        <PresenceBar users={users} identity={identity} onIdentityChange={setIdentity} />
        {isSignInServer ? (
          <ShareDialogButton isOpen={isShareOpen} onOpen={() => setShareOpen(true)} />
        ) : (
          <ShareButton hasRoles={serverAccess?.authRequired === true && canEdit} onShare={(role) => void share(role)} />
        )}
        <HistoryButton isOpen={isHistoryOpen} onToggle={() => setHistoryOpen(!isHistoryOpen)} />
        <ExportMenu onExport={(format) => void download(format)} />
      </AppHeader>
      {notice && (
        <div className="toast" role="status">
          {notice}
        </div>
      )}
      <main className="editor-main">
        {provider && (
          <CollaborativeEditor
            docId={docId}
            serverUrl={location.origin}
            provider={provider}
            readOnly={isViewOnly}
            role={role}
            user={identity}
            theme={theme}
            placeholder="Start writing — type # for a heading, - for a list, [ ] for a task"
          />
        )}
      </main>
      {isHistoryOpen && provider && (
        <HistoryPanel
          docId={docId}
          doc={provider.doc}
          canEdit={(usesSessionTokens ? access.sessionRole : serverAccess?.role) === 'edit'}
          present={users}
          onClose={() => setHistoryOpen(false)}
        />
      )}
      {isShareOpen && <ShareDialog docId={docId} title={title} person={person} onClose={() => setShareOpen(false)} />}
    </div>
  )
}

function TitleField({
  title,
  isReadOnly,
  onSave,
}: {
  title: string
  isReadOnly: boolean
  onSave: (title: string) => void
}) {
  const [value, setValue] = useState(title)
  useEffect(() => setValue(title), [title])
  return (
    <input
      className="title-field"
      aria-label="Document title"
      placeholder={UNTITLED}
      value={value}
      maxLength={200}
      readOnly={isReadOnly}
      onChange={(event) => setValue(event.target.value)}
      onBlur={() => !isReadOnly && onSave(value)}
      onKeyDown={(event) => {
        if (event.key === 'Enter') event.currentTarget.blur()
        if (event.key === 'Escape') {
          setValue(title)
          event.currentTarget.blur()
        }
      }}
    />
  )
}

/** One button without auth; with auth, a choice between an edit, a comment and a view-only link. */
function ShareButton({ hasRoles, onShare }: { hasRoles: boolean; onShare: (role: Role) => void }) {
  const menu = useMenu()
  const choose = (role: Role) => menu.choose(() => onShare(role))
  return (
    <div className="menu" ref={menu.ref} onKeyDown={menu.onKeyDown}>
      <button
        type="button"
        className="button button--primary share-button"
        aria-haspopup={hasRoles ? 'menu' : undefined}
        aria-expanded={hasRoles ? menu.isOpen : undefined}
        onClick={() => (hasRoles ? menu.toggle() : onShare('edit'))}
      >
        <Icon name="share" size={16} />
        <span className="hide-narrow">Share</span>
      </button>
      {hasRoles && menu.isOpen && (
        <div className="popover menu__items" role="menu">
          <button type="button" role="menuitem" autoFocus onClick={() => choose('edit')}>
            Copy edit link
          </button>
          <button type="button" role="menuitem" onClick={() => choose('comment')}>
            Copy “Can comment” link
          </button>
          <button type="button" role="menuitem" onClick={() => choose('view')}>
            Copy view-only link
          </button>
        </div>
      )}
    </div>
  )
}

/** With sign-in: "Share" opens the dialog with people, roles and the link setting. */
function ShareDialogButton({ isOpen, onOpen }: { isOpen: boolean; onOpen: () => void }) {
  return (
    <button
      type="button"
      className="button button--primary share-button"
      aria-haspopup="dialog"
      aria-expanded={isOpen}
      aria-label="Share"
      onClick={onOpen}
    >
      <Icon name="share" size={16} />
      <span className="hide-narrow">Share</span>
    </button>
  )
}

/**
 * A popover menu's state: closed again by Escape, by a pointer press outside the element holding
 * `ref` and by choosing one of its items.
 */
function useMenu() {
  const [isOpen, setOpen] = useState(false)
  const ref = useRef<HTMLDivElement>(null)
  useEffect(() => {
    if (!isOpen) return
    const onPointerDown = (event: PointerEvent) => {
      if (!ref.current?.contains(event.target as Node)) setOpen(false)
    }
    document.addEventListener('pointerdown', onPointerDown)
    return () => document.removeEventListener('pointerdown', onPointerDown)
  }, [isOpen])
  return {
    isOpen,
    ref,
    toggle: () => setOpen(!isOpen),
    /** Closes the menu, then does what the chosen item does. */
    choose: (action: () => void) => {
      setOpen(false)
      action()
    },
    onKeyDown: (event: KeyboardEvent) => {
      if (event.key === 'Escape') setOpen(false)
    },
  }
}

function ExportMenu({ onExport }: { onExport: (format: ExportFormat) => void }) {
  const menu = useMenu()
  const choose = (format: ExportFormat) => menu.choose(() => onExport(format))
  return (
    <div className="menu" ref={menu.ref} onKeyDown={menu.onKeyDown}>
      <button
        type="button"
        className="icon-button"
        aria-label="Export"
        title="Export"
        aria-haspopup="menu"
        aria-expanded={menu.isOpen}
        onClick={menu.toggle}
      >
        <Icon name="download" />
      </button>
      {menu.isOpen && (
        <div className="popover menu__items" role="menu">
          <button type="button" role="menuitem" autoFocus onClick={() => choose('markdown')}>
            Markdown (.md)
          </button>
          <button type="button" role="menuitem" onClick={() => choose('html')}>
            HTML (.html)
          </button>
        </div>
      )}
    </div>
  )
}
