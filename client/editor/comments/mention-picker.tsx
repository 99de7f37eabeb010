import {
  useEffect,
  useId,
  useLayoutEffect,
  useRef,
  useState,
  type KeyboardEvent,
  type ReactNode,
  type RefObject,
} from 'react'
import { formatMention, isMentionableEmail } from '../../../shared/mentions.js'
import { matchPeople, type MentionPerson } from '../../comments/mention-directory.js'
import { useMentions } from './mention-context.js'
import { mentionQueryAt, replaceRange } from './mention-query.js'

export interface MentionPicker {
  /** Attributes for the text box: the ARIA combobox pattern while people can be mentioned, nothing otherwise. */
  textProps: {
    role?: 'combobox'
    'aria-autocomplete'?: 'list'
    'aria-expanded'?: boolean
    'aria-controls'?: string
    'aria-activedescendant'?: string
    /** Each follows the caret (typing, clicks, arrows, selecting). */
    onSelect: () => void
    onInput: () => void
    onClick: () => void
    onKeyUp: () => void
    onFocus: () => void
    onBlur: () => void
  }
  /** Handles the picker's keys (arrows, Enter, Tab, Escape while the list is open); true when it did. */
  onKeyDown: (event: KeyboardEvent<HTMLTextAreaElement>) => boolean
  /** The list of people, or the "no access" notice, to render under the text box. */
  popup: ReactNode
}

/**
 * `@` + letters in a comment box offers the people the document names (mention-context.ts):
 * arrows move, Enter or Tab picks, Escape closes; picking writes `@[name](email)` (shared/mentions.ts).
 * An `@address` of someone without access says so, with "Share (can comment)" for those who may
 * share. Without a directory (no sign-in) it does nothing at all.
 */
export function useMentionPicker(
  body: string,
  setBody: (body: string) => void,
  textRef: RefObject<HTMLTextAreaElement | null>,
): MentionPicker {
  const mentions = useMentions()
  const listId = useId()
  const [caret, setCaret] = useState<number | null>(null)
  const [activeIndex, setActiveIndex] = useState(0)
  /** The word (`start:query`) whose list Escape or leaving the box closed: more letters open it again. */
  const [closedFor, setClosedFor] = useState<string | null>(null)
  const [sharing, setSharing] = useState<{ email: string; error: string | null; isBusy: boolean } | null>(null)
  const caretAfterChange = useRef<number | null>(null)

  const directory = mentions?.directory ?? null
  const found = directory && caret !== null ? mentionQueryAt(body, caret) : null
  const candidates = found && directory ? matchPeople(directory.people, found.query) : []
  const wordKey = found ? `${found.start}:${found.query}` : null
  const isOpen = candidates.length > 0 && closedFor !== wordKey
  const active = Math.min(activeIndex, Math.max(0, candidates.length - 1))
  const typedEmail = found?.query.toLowerCase() ?? ''
  const lacksAccess =
    directory !== null &&
    candidates.length === 0 &&
    isMentionableEmail(typedEmail) &&
    typedEmail !== directory.selfEmail &&
    !directory.people.some((person) => person.email === typedEmail)

  // A new word (or new letters) starts at the top of its list.
  const query = found?.query
  useEffect(() => setActiveIndex(0), [query])
  // Someone may have been shared with since the people were read (in the Share dialog, a moment
  // ago): a mention being typed reads them again (rate-limited in mention-context.ts).
  const refresh = mentions?.refresh
  const matchesNobody = candidates.length === 0
  useEffect(() => {
    if (query !== undefined) refresh?.(matchesNobody)
  }, [query, refresh, matchesNobody])

  // After a pick, the caret goes after the inserted mention once React has put the new text in.
  useLayoutEffect(() => {
    const at = caretAfterChange.current
    const text = textRef.current
    if (at === null || !text) return
    caretAfterChange.current = null
    text.focus()
    text.setSelectionRange(at, at)
    setCaret(at)
  })

  const readCaret = () => {
    const text = textRef.current
    setCaret(text && text.selectionStart === text.selectionEnd ? text.selectionStart : null)
  }

  const insert = (person: MentionPerson) => {
    if (!found) return
    const next = replaceRange(body, found.start, found.end, `${formatMention(person.name, person.email)} `)
    caretAfterChange.current = next.caret
    setBody(next.text)
  }

  const share = async (email: string) => {
    if (!mentions || !found) return
    const word = found
    setSharing({ email, error: null, isBusy: true })
    try {
      const next = await mentions.directory.share(email)
      mentions.update(next)
      setSharing(null)
      const person = next.people.find((candidate) => candidate.email === email) ?? { name: email, email }
      const text = textRef.current?.value ?? body
      // The word is still where it was unless the text changed meanwhile: then only the list is new.
      if (text.slice(word.start, word.end) === body.slice(word.start, word.end)) {
        const updated = replaceRange(text, word.start, word.end, `${formatMention(person.name, person.email)} `)
        caretAfterChange.current = updated.caret
        setBody(updated.text)
      }
    } catch (error) {
      setSharing({ email, error: error instanceof Error ? error.message : 'Could not share.', isBusy: false })
    }
  }

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>): boolean => {
    if (!isOpen || event.ctrlKey || event.metaKey || event.altKey) return false
    const count = candidates.length
    switch (event.key) {
      case 'ArrowDown':
        setActiveIndex((active + 1) % count)
        break
      case 'ArrowUp':
        setActiveIndex((active - 1 + count) % count)
        break
      case 'Enter':
      case 'Tab':
        insert(candidates[active]!)
        break
      case 'Escape':
        // Closes the list only: the composer stays open with its text.
        event.stopPropagation()
        setClosedFor(wordKey)
        break
      default:
        return false
    }
    event.preventDefault()
    return true
  }

  const optionId = (index: number) => `${listId}-option-${index}`
  const follow = { onSelect: readCaret, onInput: readCaret, onClick: readCaret, onKeyUp: readCaret }
  const textProps: MentionPicker['textProps'] = directory
    ? {
        role: 'combobox',
        'aria-autocomplete': 'list',
        'aria-expanded': isOpen,
        'aria-controls': isOpen ? listId : undefined,
        'aria-activedescendant': isOpen ? optionId(active) : undefined,
        ...follow,
        onFocus: () => mentions?.refresh(),
        // Picking with the mouse keeps focus in the box (mousedown is prevented), so this is leaving it.
        onBlur: () => {
          if (isOpen) setClosedFor(wordKey)
        },
      }
    : { ...follow, onFocus: () => undefined, onBlur: () => undefined }

  let popup: ReactNode = null
  if (isOpen) {
    popup = (
      <ul id={listId} role="listbox" aria-label="People with access" className="tandem-mentions__list">
        {candidates.map((person, index) => (
          <li
            key={person.email}
            id={optionId(index)}
            role="option"
            aria-selected={index === active}
            className="tandem-mentions__option"
            // Keep the caret in the text box: a click picks, it does not move focus.
            onMouseDown={(event) => event.preventDefault()}
            onClick={() => insert(person)}
          >
            <span className="tandem-mentions__name">{person.name}</span>
            {person.name !== person.email && <span className="tandem-mentions__email">{person.email}</span>}
          </li>
        ))}
      </ul>
    )
  } else if (lacksAccess && directory) {
    const current = sharing?.email === typedEmail ? sharing : null
    popup = (
      <div className="tandem-mentions__notice" role="status">
        <p>
          <strong>{typedEmail}</strong> has no access to this document
          {directory.canShare ? '.' : ': only the owner can share it.'}
        </p>
        {directory.canShare && (
          <button
            type="button"
            className="tandem-comments__button"
            disabled={current?.isBusy === true}
            onMouseDown={(event) => event.preventDefault()}
            onClick={() => void share(typedEmail)}
          >
            {current?.isBusy ? 'Sharing…' : 'Share (can comment)'}
          </button>
        )}
        {current?.error && (
          <p className="tandem-comments__error" role="alert">
            {current.error}
          </p>
        )}
      </div>
    )
  }

  return { textProps, onKeyDown, popup }
}
