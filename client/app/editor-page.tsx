import { useEffect, useRef, useState } from 'react'
import { CollaborativeEditor } from '../editor/collaborative-editor.js'
import { usePresence, useSyncStatus, useTandemProvider } from '../editor/hooks.js'
import { Icon } from '../editor/icons.js'
import { AppHeader } from './app-header.js'
import { fetchContent, getDocument, renameDocument, type ExportFormat } from './docs-api.js'
import { UNTITLED } from './document-list-page.js'
import { useIdentity } from './identity.js'
import { PresenceBar } from './presence-bar.js'
import { navigate } from './router.js'
import { StatusPill } from './status-pill.js'

interface EditorPageProps {
  docId: string
  theme: 'light' | 'dark'
  onToggleTheme: () => void
}

/** `/d/<docId>`: the document, who is in it, whether it is saved, and share / export. */
export function EditorPage({ docId, theme, onToggleTheme }: EditorPageProps) {
  const provider = useTandemProvider({ docId, serverUrl: location.origin })
  const status = useSyncStatus(provider)
  const users = usePresence(provider)
  const [identity, setIdentity] = useIdentity()
  const [title, setTitle] = useState('')
  const [notice, setNotice] = useState<string | null>(null)

  useEffect(() => {
    let isCurrent = true
    getDocument(docId)
      .then((info) => isCurrent && setTitle(info?.title ?? ''))
      .catch(() => undefined) // the title is cosmetic; the editor works without it
    return () => {
      isCurrent = false
    }
  }, [docId])

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
      setNotice(`Could not rename: ${error instanceof Error ? error.message : String(error)}`)
    }
  }

  const share = async () => {
    const url = `${location.origin}/d/${encodeURIComponent(docId)}`
    try {
      await navigator.clipboard.writeText(url)
      setNotice('Link copied. Anyone with the link can edit.')
    } catch {
      window.prompt('Copy this link to share the document:', url)
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
      setNotice(error instanceof Error ? error.message : String(error))
    }
  }

  return (
    <div className="page page--editor">
      <AppHeader theme={theme} onToggleTheme={onToggleTheme}>
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
        <TitleField title={title} onSave={(next) => void saveTitle(next)} />
        <div className="app-header__spacer" />
        <StatusPill status={status} />
        <PresenceBar users={users} identity={identity} onIdentityChange={setIdentity} />
        <button type="button" className="button button--primary share-button" onClick={() => void share()}>
          <Icon name="share" size={16} />
          <span className="hide-narrow">Share</span>
        </button>
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
            user={identity}
            theme={theme}
            placeholder="Start writing, or paste Markdown…"
          />
        )}
      </main>
    </div>
  )
}

function TitleField({ title, onSave }: { title: string; onSave: (title: string) => void }) {
  const [value, setValue] = useState(title)
  useEffect(() => setValue(title), [title])
  return (
    <input
      className="title-field"
      aria-label="Document title"
      placeholder={UNTITLED}
      value={value}
      maxLength={200}
      onChange={(event) => setValue(event.target.value)}
      onBlur={() => onSave(value)}
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

function ExportMenu({ onExport }: { onExport: (format: ExportFormat) => void }) {
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
  const choose = (format: ExportFormat) => {
    setOpen(false)
    onExport(format)
  }
  return (
    <div className="menu" ref={ref} onKeyDown={(event) => event.key === 'Escape' && setOpen(false)}>
      <button
        type="button"
        className="icon-button"
        aria-label="Export"
        title="Export"
        aria-haspopup="menu"
        aria-expanded={isOpen}
        onClick={() => setOpen((open) => !open)}
      >
        <Icon name="download" />
      </button>
      {isOpen && (
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
