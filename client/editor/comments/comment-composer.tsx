import { useEffect, useRef, useState, type KeyboardEvent } from 'react'
import { MAX_COMMENT_BODY_CHARS } from '../../../shared/comments.js'
import { MAX_MENTIONS_PER_COMMENT, parseMentions } from '../../../shared/mentions.js'
import { ThreadRequestError } from '../../comments/threads-api.js'
import { useMentionPicker } from './mention-picker.js'

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform)
/** Shown beside the Post button and announced as the textarea's shortcut. */
export const POST_SHORTCUT = isMac ? '⌘↩' : 'Ctrl+Enter'

/** A refusal's sentence as the server wrote it; anything else as a generic one. */
export function writeErrorMessage(error: unknown): string {
  if (error instanceof ThreadRequestError) return error.message
  return error instanceof Error && error.message ? error.message : 'Could not send this comment.'
}

export interface CommentComposerProps {
  /** The text box's accessible name ("Comment", "Reply", "Edit comment"). */
  label: string
  placeholder?: string
  initialBody?: string
  submitLabel?: string
  /** Resolves when the write is stored (or queued to be sent); rejects with the reason to show. */
  onSubmit: (body: string) => Promise<void>
  onCancel?: () => void
  autoFocus?: boolean
  /** Keep the box open and empty after a successful submit (the reply box) instead of closing. */
  isPersistent?: boolean
  /** True once the write is queued for sending (offline): the composer may close, nothing is lost. */
  isQueued?: (body: string) => boolean
}

/**
 * A text box with Post and Cancel: Ctrl/Cmd+Enter posts, Escape cancels. The text stays in the box
 * until the write is stored or queued; a refusal shows in place, text kept. On a server with
 * sign-in, `@` offers the people the document names (mention-picker.tsx).
 */
export function CommentComposer({
  label,
  placeholder,
  initialBody = '',
  submitLabel = 'Post',
  onSubmit,
  onCancel,
  autoFocus = true,
  isPersistent = false,
  isQueued,
}: CommentComposerProps) {
  const [body, setBody] = useState(initialBody)
  const [isSending, setSending] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const textRef = useRef<HTMLTextAreaElement>(null)
  const sentBody = useRef<string | null>(null)
  const picker = useMentionPicker(body, setBody, textRef)

  useEffect(() => {
    if (!autoFocus) return
    const text = textRef.current
    text?.focus()
    text?.setSelectionRange(text.value.length, text.value.length)
    // Focus shows the box's first line; show its buttons too.
    text?.closest('form')?.scrollIntoView({ block: 'nearest' })
  }, [autoFocus])

  // Offline: the write waits in the queue (shown as "Waiting to send"), so this box has done its job.
  const isNowQueued = isSending && sentBody.current !== null && (isQueued?.(sentBody.current) ?? false)
  useEffect(() => {
    if (!isNowQueued) return
    setSending(false)
    sentBody.current = null
    if (isPersistent) setBody('')
    else onCancel?.()
  }, [isNowQueued, isPersistent, onCancel])

  const submit = async () => {
    const text = body.trim()
    if (text === '' || isSending) return
    if (text.length > MAX_COMMENT_BODY_CHARS) {
      setError(`A comment can be at most ${MAX_COMMENT_BODY_CHARS.toLocaleString()} characters.`)
      return
    }
    if (parseMentions(text, Number.POSITIVE_INFINITY).length > MAX_MENTIONS_PER_COMMENT) {
      setError(`A comment can mention at most ${MAX_MENTIONS_PER_COMMENT} people.`)
      return
    }
    setSending(true)
    setError(null)
    sentBody.current = text
    try {
      await onSubmit(text)
      if (sentBody.current === null) return // closed as queued already
      sentBody.current = null
      setSending(false)
      if (isPersistent) setBody('')
    } catch (failure) {
      sentBody.current = null
      setSending(false)
      setError(writeErrorMessage(failure))
      textRef.current?.focus()
    }
  }

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (picker.onKeyDown(event)) return
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault()
      void submit()
    } else if (event.key === 'Escape' && onCancel) {
      event.preventDefault()
      event.stopPropagation()
      onCancel()
    }
  }

  const isEmpty = body.trim() === ''
  return (
    <form
      className="tandem-composer"
      onSubmit={(event) => {
        event.preventDefault()
        void submit()
      }}
    >
      <textarea
        {...picker.textProps}
        ref={textRef}
        className="tandem-composer__text"
        aria-label={label}
        aria-keyshortcuts={isMac ? 'Meta+Enter' : 'Control+Enter'}
        placeholder={placeholder}
        value={body}
        rows={isPersistent && isEmpty ? 1 : 3}
        maxLength={MAX_COMMENT_BODY_CHARS + 1}
        onChange={(event) => setBody(event.target.value)}
        onKeyDown={onKeyDown}
      />
      {picker.popup}
      {error && (
        <p className="tandem-comments__error" role="alert">
          {error}
        </p>
      )}
      {(!isPersistent || !isEmpty || error) && (
        <div className="tandem-composer__actions">
          <span className="tandem-composer__hint" aria-hidden="true">
            {POST_SHORTCUT}
          </span>
          {onCancel && (
            <button type="button" className="tandem-comments__button" onClick={onCancel}>
              Cancel
            </button>
          )}
          <button
            type="submit"
            className="tandem-comments__button tandem-comments__button--primary"
            disabled={isEmpty || isSending}
          >
            {isSending ? 'Sending…' : submitLabel}
          </button>
        </div>
      )}
    </form>
  )
}
