import { useRef, useState, type RefObject } from 'react'
import type { ThreadAnchor } from '../../../shared/comments.js'
import type { Suggestion } from '../../../shared/suggestions/suggestions.js'
import type { PendingWrite, PlacedThread, ThreadsState } from '../../comments/threads-api.js'
import { useCardAlignment } from './card-alignment.js'
import { WaitingToSend } from './card-parts.js'
import { CommentBody } from './comment-body.js'
import { CommentComposer } from './comment-composer.js'
import { canComment, type CommentViewer } from './comment-permissions.js'
import type { SuggestionActions } from './suggestion-actions.js'
import { SuggestionCard, SuggestionsBar, type SuggestionReplies } from './suggestion-card.js'
import { ThreadCard } from './thread-card.js'
import { suggestionKey } from './suggestion-keys.js'
import { rememberedFilter, rememberFilter, type ThreadFilter } from './thread-filter.js'

/** A thread being started: what the composer will post. */
export interface ThreadDraft {
  quote: string
  /** null: a comment on the whole document. */
  anchor: ThreadAnchor | null
}

/** The aligned list's id for the composer of a new comment on the text (cards use their thread's id). */
export const DRAFT_ALIGN_ID = 'draft'

const FILTERS: { value: ThreadFilter; label: string }[] = [
  { value: 'open', label: 'Open' },
  { value: 'resolved', label: 'Resolved' },
  { value: 'all', label: 'All' },
]

export interface CommentsSidebarProps {
  /** The element id, for the toolbar toggle's aria-controls. */
  id: string
  threads: ThreadsState
  viewer: CommentViewer
  activeThreadId: string | null
  onActivate: (threadId: string) => void
  /** `key` changes for each new draft, so its composer starts afresh (and takes focus). */
  draft: (ThreadDraft & { key?: number }) | null
  onDraftChange: (draft: ThreadDraft | null) => void
  isOpen: boolean
  onClose: () => void
  /** The server answers (the session is connected): writes in flight are not yet "waiting to send". */
  isReachable: boolean
  /** The viewport top of a thread's text, to put its card beside it; undefined: cards simply stack (phones). */
  textTop?: (threadId: string) => number | null
  /** Where the text of the comment being written starts (ProseMirror position), to place its composer. */
  draftFrom?: number | null
  /** The document's element (whose size changes move the text the cards stand beside). */
  documentElement?: HTMLElement | null
  /** Filled with each card's element, so a click on a highlight can focus its card. */
  cardRefs: RefObject<Map<string, HTMLElement>>
  /** Pending suggestions in document order: each has a card among the threads (counted as open). */
  suggestions?: readonly Suggestion[]
  /** Accept / Reject; null for a role that may not decide. */
  suggestionActions?: SuggestionActions | null
  /** The text a format suggestion applies to. */
  suggestedText?: (suggestion: Suggestion) => string
  /**
   * Sends a reply on a suggestion's card: to its thread (`threadId`), or starting the thread that
   * names the suggestion (null). Absent: suggestion cards take no replies.
   */
  onSuggestionReply?: (suggestion: Suggestion, threadId: string | null, body: string) => Promise<void>
}

/**
 * The threads, in a landmark named "Comments": a column beside the document on wide screens, a
 * panel on phones. Anchored threads come in document order, then those whose text was deleted, then
 * comments on the whole document in their own section.
 */
export function CommentsSidebar({
  id,
  threads,
  viewer,
  activeThreadId,
  onActivate,
  draft,
  onDraftChange,
  isOpen,
  onClose,
  isReachable,
  textTop,
  draftFrom,
  documentElement,
  cardRefs,
  suggestions = [],
  suggestionActions = null,
  suggestedText = () => '',
  onSuggestionReply,
}: CommentsSidebarProps) {
  // The filter last chosen in this browser: a reader who reads resolved threads too keeps doing so.
  const [filter, setFilterState] = useState<ThreadFilter>(rememberedFilter)
  const setFilter = (next: ThreadFilter) => {
    setFilterState(next)
    rememberFilter(next)
  }
  // The thread active now, read after a post's answer arrives (see the draft composer's onSubmit).
  const activeNow = useRef(activeThreadId)
  activeNow.current = activeThreadId
  const alignedList = useRef<HTMLUListElement>(null)
  useCardAlignment(alignedList, textTop ?? (() => null), textTop !== undefined && isOpen, documentElement ?? null)
  const { client, pending } = threads
  // A thread about a pending suggestion is that suggestion's conversation: it shows on its card,
  // not as a card of its own (once the suggestion is decided, it is an ordinary thread again).
  const pendingSuggestionIds = new Set(suggestions.map((suggestion) => suggestion.id))
  const isOnSuggestion = (placed: PlacedThread) =>
    typeof placed.thread.suggestionId === 'string' && pendingSuggestionIds.has(placed.thread.suggestionId)
  const ownThreads = threads.threads.filter((placed) => !isOnSuggestion(placed))
  const isShown = (placed: PlacedThread) =>
    filter === 'all' || placed.thread.status === filter || placed.thread.id === activeThreadId
  const visible = ownThreads.filter(isShown)
  const inText = visible.filter((placed) => placed.place.kind !== 'document')
  const onDocument = visible.filter((placed) => placed.place.kind === 'document')
  // Pending suggestions are open by nature: a decision removes them from the document.
  const visibleSuggestions = filter === 'resolved' ? [] : suggestions
  // Every write passes through the queue while in flight; only while the server is out of reach is
  // one "waiting to send" (online, its composer shows it being sent, and shows a refusal in place).
  const waiting = isReachable ? [] : pending.filter((write) => write.refusal === undefined)
  // Refused with nobody waiting (re-sent after a reload): shown with its text until dismissed.
  const refused = pending.filter((write) => write.refusal !== undefined)
  const pendingThreads = waiting.filter((write) => write.kind === 'thread' && !write.suggestionId)
  const isQueued = (kind: PendingWrite['kind'], threadId: string | null) => (body: string) =>
    waiting.some((write) => write.kind === kind && write.threadId === threadId && write.body === body)
  const mayComment = canComment(viewer)

  const setCardRef = (threadId: string) => (element: HTMLElement | null) => {
    if (element) cardRefs.current.set(threadId, element)
    else cardRefs.current.delete(threadId)
  }

  const card = (placed: PlacedThread) => (
    <li key={placed.thread.id} data-align-id={placed.thread.id}>
      <ThreadCard
        ref={setCardRef(placed.thread.id)}
        placed={placed}
        viewer={viewer}
        client={client}
        isActive={placed.thread.id === activeThreadId}
        pendingReplies={waiting.filter((write) => write.kind === 'reply' && write.threadId === placed.thread.id)}
        isQueued={isQueued}
        onActivate={onActivate}
      />
    </li>
  )

  const draftComposer = draft && mayComment && (
    <div key={draft.key} className="tandem-thread tandem-thread--draft" data-active>
      {draft.anchor && draft.quote && <blockquote className="tandem-thread__quote">{draft.quote}</blockquote>}
      <CommentComposer
        label={draft.anchor ? 'Comment' : 'Comment on the document'}
        placeholder={draft.anchor ? 'Add a comment…' : 'A comment on the whole document…'}
        onCancel={() => onDraftChange(null)}
        isQueued={isQueued('thread', null)}
        onSubmit={async (body) => {
          const thread = await client.startThread({ body, quote: draft.quote, anchor: draft.anchor })
          onDraftChange(null)
          // The new thread becomes active unless the user went to another one while the answer was
          // on its way: taking that away would close the reply they are typing there, losing it.
          if (activeNow.current === null) onActivate(thread.id)
        }}
      />
    </div>
  )
  const repliesOn = (suggestion: Suggestion): SuggestionReplies | undefined => {
    if (!onSuggestionReply) return undefined
    const onIt = threads.threads
      .filter((placed) => placed.thread.suggestionId === suggestion.id)
      .map((placed) => placed.thread)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
    const threadIds = new Set(onIt.map((thread) => thread.id))
    const first = onIt[0]?.id ?? null
    return {
      threads: onIt,
      viewer,
      client,
      pending: waiting.filter((write) =>
        write.kind === 'reply' ? threadIds.has(write.threadId ?? '') : write.suggestionId === suggestion.id,
      ),
      isQueued,
      send: (body) => onSuggestionReply(suggestion, first, body),
    }
  }

  const suggestionCard = (suggestion: Suggestion) => {
    const key = suggestionKey(suggestion.id)
    return (
      <li key={key} data-align-id={key}>
        <SuggestionCard
          ref={setCardRef(key)}
          suggestion={suggestion}
          formattedText={suggestedText(suggestion)}
          actions={suggestionActions}
          isActive={key === activeThreadId}
          onActivate={() => onActivate(key)}
          replies={repliesOn(suggestion)}
        />
      </li>
    )
  }

  // Threads and suggestions in document order, each beside its text; a new comment on the text
  // stands among them the same way.
  const aligned = [
    ...inText.map((placed) => ({
      from: placed.place.kind === 'range' ? placed.place.from : Number.POSITIVE_INFINITY,
      item: card(placed),
    })),
    ...visibleSuggestions.map((suggestion) => ({ from: suggestion.from, item: suggestionCard(suggestion) })),
  ]
  // Stable: a thread and a suggestion at one place keep the thread first; deleted-text threads stay last.
  aligned.sort((a, b) => a.from - b.from)
  if (draftComposer && draft?.anchor) {
    aligned.push({
      from: draftFrom ?? -1,
      item: (
        <li key={`draft-${draft.key ?? 0}`} data-align-id={DRAFT_ALIGN_ID}>
          {draftComposer}
        </li>
      ),
    })
    aligned.sort((a, b) => a.from - b.from)
  }

  const count = (which: ThreadFilter) =>
    (which === 'resolved' ? 0 : suggestions.length) +
    (which === 'all' ? ownThreads.length : ownThreads.filter((placed) => placed.thread.status === which).length)

  return (
    <aside id={id} className="tandem-comments" aria-label="Comments" data-open={isOpen || undefined}>
      <div className="tandem-comments__header">
        <h2 className="tandem-comments__heading">Comments</h2>
        <div className="tandem-comments__filter" role="radiogroup" aria-label="Show">
          {FILTERS.map(({ value, label }) => (
            <button
              key={value}
              type="button"
              role="radio"
              aria-checked={filter === value}
              className="tandem-comments__filter-option"
              onClick={() => setFilter(value)}
            >
              {label}
              <span className="tandem-comments__filter-count">{count(value)}</span>
            </button>
          ))}
        </div>
        <button
          type="button"
          className="tandem-comments__close"
          aria-label="Close comments"
          title="Close comments"
          onClick={onClose}
        >
          ×
        </button>
      </div>

      {/* Not an alert: it repeats the session's own error (the editor's banner) or says when threads come. */}
      {threads.loadError && <p className="tandem-comments__empty">{threads.loadError}</p>}

      <UnsentThreads refused={refused} waiting={pendingThreads} onDismiss={(writeId) => client.dismiss(writeId)} />

      {suggestionActions && visibleSuggestions.length > 0 && (
        <SuggestionsBar count={visibleSuggestions.length} actions={suggestionActions} />
      )}

      {aligned.length > 0 && (
        <ul className="tandem-comments__list tandem-comments__list--aligned" ref={alignedList}>
          {aligned.map(({ item }) => item)}
        </ul>
      )}

      {!threads.isLoaded && !threads.loadError && <p className="tandem-comments__empty">Loading comments…</p>}
      {threads.isLoaded &&
        visible.length === 0 &&
        visibleSuggestions.length === 0 &&
        !draft &&
        pendingThreads.length === 0 &&
        refused.length === 0 && (
          <p className="tandem-comments__empty">
            {filter === 'resolved'
              ? 'No resolved threads.'
              : filter === 'open' && ownThreads.length > 0
                ? 'No open threads.'
                : mayComment
                  ? 'No comments yet. Select text and press Comment.'
                  : 'No comments yet.'}
          </p>
        )}

      {(onDocument.length > 0 || mayComment) && (
        <section className="tandem-comments__document" aria-label="On the whole document">
          <h3 className="tandem-comments__subheading">Whole document</h3>
          {onDocument.length > 0 && <ul className="tandem-comments__list">{onDocument.map(card)}</ul>}
          {draft && !draft.anchor && draftComposer}
          {mayComment && !draft && (
            <button
              type="button"
              className="tandem-comments__button"
              onClick={() => onDraftChange({ quote: '', anchor: null })}
            >
              Comment on the document
            </button>
          )}
        </section>
      )}
    </aside>
  )
}

/**
 * New threads the server does not hold, each list only when it has some: the refused ones (with the
 * reason, until dismissed), then those waiting to be sent.
 */
function UnsentThreads({
  refused,
  waiting,
  onDismiss,
}: {
  refused: readonly PendingWrite[]
  waiting: readonly PendingWrite[]
  onDismiss: (writeId: string) => void
}) {
  const lists = [
    { label: 'Not sent', writes: refused },
    { label: 'Waiting to send', writes: waiting },
  ]
  return (
    <>
      {lists
        .filter(({ writes }) => writes.length > 0)
        .map(({ label, writes }) => (
          <ul key={label} className="tandem-comments__list" aria-label={label}>
            {writes.map((write) => (
              <li key={write.id}>
                <UnsentThread write={write} onDismiss={onDismiss} />
              </li>
            ))}
          </ul>
        ))}
    </>
  )
}

function UnsentThread({ write, onDismiss }: { write: PendingWrite; onDismiss: (writeId: string) => void }) {
  const isRefused = write.refusal !== undefined
  return (
    <div className="tandem-thread" data-refused={isRefused || undefined} data-pending={!isRefused || undefined}>
      {write.quote && <blockquote className="tandem-thread__quote">{write.quote}</blockquote>}
      {isRefused ? (
        <p className="tandem-comments__error" role="alert">
          Not sent: {write.refusal}
        </p>
      ) : (
        <WaitingToSend />
      )}
      <CommentBody body={write.body} />
      {isRefused && (
        <div className="tandem-thread__actions">
          <button type="button" className="tandem-comments__button" onClick={() => onDismiss(write.id)}>
            Dismiss
          </button>
        </div>
      )}
    </div>
  )
}
