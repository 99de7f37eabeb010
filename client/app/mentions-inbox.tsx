import { useCallback, useEffect, useId, useRef, useState, type KeyboardEvent } from 'react'
import { Icon } from '../editor/icons.js'
import { fullDate, relativeTime } from '../editor/relative-time.js'
import { loadMentions, markMentionsRead, mentionHref, type InboxMention } from './mentions-api.js'
import { UNTITLED } from './document-title.js'
import './mentions-inbox.css'

/** The unread count is asked again this often while the page is open (and whenever the tab returns). */
const UNREAD_POLL_MS = 60_000

interface LoadedPage {
  mentions: InboxMention[]
  next: string | null
}

/**
 * The header's "Mentions" (signed in only): a button with the unread count that opens a panel of
 * the comments that mention the person, newest first, each linking to its document opened on its
 * thread. Opening the panel marks what it shows read; what was unread keeps its marker until the
 * panel closes.
 */
export function MentionsInbox({ csrfToken }: { csrfToken: string }) {
  const [unreadCount, setUnreadCount] = useState(0)
  const [isOpen, setOpen] = useState(false)
  const [page, setPage] = useState<LoadedPage | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [isLoadingOlder, setLoadingOlder] = useState(false)
  const containerRef = useRef<HTMLDivElement>(null)
  const buttonRef = useRef<HTMLButtonElement>(null)
  const panelRef = useRef<HTMLDivElement>(null)
  const panelId = useId()

  useEffect(() => {
    let isCurrent = true
    const check = () => {
      loadMentions(undefined, 1)
        .then((answer) => {
          if (isCurrent) setUnreadCount(answer.unreadCount)
        })
        .catch(() => undefined) // offline or signed out meanwhile: keep the last count
    }
    check()
    const timer = setInterval(check, UNREAD_POLL_MS)
    const onVisible = () => {
      if (document.visibilityState === 'visible') check()
    }
    document.addEventListener('visibilitychange', onVisible)
    return () => {
      isCurrent = false
      clearInterval(timer)
      document.removeEventListener('visibilitychange', onVisible)
    }
  }, [])

  /** Shows `mentions` and marks the unread among them read (they are on screen now). */
  const show = useCallback(
    async (mentions: InboxMention[]) => {
      const unread = mentions.filter((mention) => !mention.isRead).map((mention) => mention.id)
      if (unread.length > 0) setUnreadCount(await markMentionsRead(unread, csrfToken))
    },
    [csrfToken],
  )

  const open = () => {
    setOpen(true)
    setPage(null)
    setError(null)
    loadMentions()
      .then(async (answer) => {
        setPage({ mentions: answer.mentions, next: answer.next })
        setUnreadCount(answer.unreadCount)
        await show(answer.mentions)
      })
      .catch((failure: unknown) => setError(failure instanceof Error ? failure.message : String(failure)))
  }

  const close = useCallback((returnFocus: boolean) => {
    setOpen(false)
    if (returnFocus) buttonRef.current?.focus()
  }, [])

  const showOlder = () => {
    if (!page?.next) return
    setLoadingOlder(true)
    loadMentions(page.next)
      .then(async (answer) => {
        setPage({ mentions: [...page.mentions, ...answer.mentions], next: answer.next })
        await show(answer.mentions)
      })
      .catch((failure: unknown) => setError(failure instanceof Error ? failure.message : String(failure)))
      .finally(() => setLoadingOlder(false))
  }

  // Focus goes into the panel when it opens; a press outside it closes it.
  useEffect(() => {
    if (!isOpen) return
    panelRef.current?.focus()
    const onPointerDown = (event: PointerEvent) => {
      if (!containerRef.current?.contains(event.target as Node)) close(false)
    }
    document.addEventListener('pointerdown', onPointerDown)
    return () => document.removeEventListener('pointerdown', onPointerDown)
  }, [isOpen, close])

  const onPanelKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key !== 'Escape') return
    event.preventDefault()
    close(true)
  }

  return (
    <div className="mentions" ref={containerRef}>
      <button
        ref={buttonRef}
        type="button"
        className="button mentions-button"
        aria-label={unreadCount > 0 ? `Mentions, ${unreadCount} unread` : 'Mentions'}
        aria-expanded={isOpen}
        aria-controls={isOpen ? panelId : undefined}
        title="Comments that mention you"
        onClick={() => (isOpen ? close(false) : open())}
      >
        <Icon name="at" />
        <span className="mentions-button__label" aria-hidden="true">
          Mentions
        </span>
        {unreadCount > 0 && (
          <span className="mentions-button__count" aria-hidden="true">
            {unreadCount}
          </span>
        )}
      </button>
      {isOpen && (
        <div
          id={panelId}
          ref={panelRef}
          className="mentions-panel"
          role="dialog"
          aria-label="Mentions"
          tabIndex={-1}
          onKeyDown={onPanelKeyDown}
        >
          <div className="mentions-panel__header">
            <h2 className="mentions-panel__heading">Mentions</h2>
            <button type="button" className="icon-button" aria-label="Close mentions" onClick={() => close(true)}>
              <Icon name="close" />
            </button>
          </div>
          {error && (
            <p className="mentions-panel__error" role="alert">
              {error}
            </p>
          )}
          {!page && !error && <p className="mentions-panel__empty muted">Loading…</p>}
          {page && page.mentions.length === 0 && (
            <p className="mentions-panel__empty muted">
              No mentions yet. When someone writes @ and your name in a comment, it shows up here.
            </p>
          )}
          {page && page.mentions.length > 0 && (
            <ul className="mentions-panel__list">
              {page.mentions.map((mention) => (
                <li key={mention.id}>
                  <a
                    className="mentions-item"
                    href={mentionHref(mention)}
                    data-unread={!mention.isRead || undefined}
                    onClick={() => close(false)}
                  >
                    <span className="mentions-item__line">
                      <strong>{mention.author.name}</strong> mentioned you in{' '}
                      <span className="mentions-item__doc">{mention.documentTitle || UNTITLED}</span>
                      {!mention.isRead && <span className="visually-hidden"> (new)</span>}
                    </span>
                    <span className="mentions-item__excerpt">{mention.excerpt}</span>
                    <time
                      className="mentions-item__time"
                      dateTime={mention.createdAt}
                      title={fullDate(mention.createdAt)}
                    >
                      {relativeTime(mention.createdAt)}
                    </time>
                  </a>
                </li>
              ))}
            </ul>
          )}
          {page?.next && (
            <button type="button" className="button mentions-panel__more" disabled={isLoadingOlder} onClick={showOlder}>
              {isLoadingOlder ? 'Loading…' : 'Show older'}
            </button>
          )}
        </div>
      )}
    </div>
  )
}
