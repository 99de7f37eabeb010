import { forwardRef, type CSSProperties } from 'react'
import type { Thread } from '../../../shared/comments.js'
import { SuggestionKind, type Suggestion } from '../../../shared/suggestions/suggestions.js'
import { fullDate, relativeTime } from '../relative-time.js'
import { authorColor, SUGGESTION_COLOR_VARIABLE } from '../suggestion-colors.js'
import type { PendingWrite, ThreadClient } from '../../comments/threads-api.js'
import { CardButton, PendingComment, ReplyComposer, SidebarCard, useCardReply } from './card-parts.js'
import { canComment, isOwnComment, type CommentViewer } from './comment-permissions.js'
import type { SuggestionActions } from './suggestion-actions.js'
import { CommentItem } from './thread-card.js'
import { describeSuggestion, formatChangeText, shorten } from './suggestion-text.js'

export interface SuggestionCardProps {
  suggestion: Suggestion
  /** The text a format suggestion applies to (it adds and removes no text of its own). */
  formattedText: string
  /** Null: this writer may not decide (comment and view roles). */
  actions: SuggestionActions | null
  isActive: boolean
  onActivate: () => void
  /**
   * The conversation about this suggestion: threads that name it (`suggestionId`), oldest first.
   * Absent: no replies on suggestions (a server or client without them).
   */
  replies?: SuggestionReplies
}

/** What a suggestion card needs for its replies. */
export interface SuggestionReplies {
  threads: readonly Thread[]
  viewer: CommentViewer
  client: ThreadClient
  /** Replies and new threads that wait to be sent. */
  pending: readonly PendingWrite[]
  isQueued: (kind: PendingWrite['kind'], threadId: string | null) => (body: string) => boolean
  /**
   * Starts the suggestion's thread with its first reply (anchored to the suggestion's text, naming
   * its id), or replies to the thread it has.
   */
  send: (body: string) => Promise<void>
}

/**
 * One pending suggestion in the "Comments" sidebar: who, when, what it does, and Accept / Reject
 * for the edit role. Clicking the card makes it active (the editor scrolls to and marks its text).
 */
export const SuggestionCard = forwardRef<HTMLElement, SuggestionCardProps>(function SuggestionCard(
  { suggestion, formattedText, actions, isActive, onActivate, replies },
  ref,
) {
  const reply = useCardReply(isActive, onActivate)
  const mayReply = replies !== undefined && canComment(replies.viewer)
  // One conversation, even when two people started a thread on it at once.
  const comments = (replies?.threads ?? [])
    .flatMap((thread) => thread.comments.map((comment) => ({ thread, comment })))
    .sort((a, b) => a.comment.createdAt.localeCompare(b.comment.createdAt))
  const firstThread = replies?.threads[0] ?? null
  const titleId = `tandem-suggestion-${suggestion.id}-title`
  const at = Number.isFinite(suggestion.at) && suggestion.at > 0 ? new Date(suggestion.at).toISOString() : null
  const name = suggestion.authorName?.trim() || 'Someone'
  const style = { [SUGGESTION_COLOR_VARIABLE]: authorColor(suggestion.author) } as CSSProperties
  return (
    <SidebarCard
      ref={ref}
      className="tandem-thread tandem-suggestion"
      data-suggestion-id={suggestion.id}
      data-kind={suggestion.kind}
      style={style}
      titleId={titleId}
      isActive={isActive}
      onActivate={onActivate}
    >
      <h3 className="tandem-thread__title" id={titleId}>
        {`Suggestion by ${name}: ${describeSuggestion(suggestion)}`}
      </h3>
      <div className="tandem-comment__meta">
        <span className="tandem-suggestion__swatch" aria-hidden="true" />
        <span className="tandem-comment__author">{name}</span>
        {at && (
          <time className="tandem-comment__time" dateTime={at} title={fullDate(at)}>
            {relativeTime(at)}
          </time>
        )}
      </div>
      <SuggestionSummary suggestion={suggestion} formattedText={formattedText} />
      {replies && (comments.length > 0 || replies.pending.length > 0) && (
        <ol className="tandem-thread__comments tandem-suggestion__replies" aria-label="Replies">
          {comments.map(({ thread, comment }) => (
            <CommentItem
              key={comment.id}
              thread={thread}
              comment={comment}
              isOwn={isOwnComment(replies.viewer, comment)}
              isOpening={comment === thread.comments[0]}
              client={replies.client}
            />
          ))}
          {replies.pending.map((write) => (
            <PendingComment key={write.id} write={write} />
          ))}
        </ol>
      )}
      {mayReply && isActive && (
        <div className="tandem-thread__footer">
          <ReplyComposer
            reply={reply}
            isQueued={replies.isQueued(firstThread ? 'reply' : 'thread', firstThread?.id ?? null)}
            onSubmit={replies.send}
          />
        </div>
      )}
      {(actions || (mayReply && !isActive)) && (
        <div className="tandem-thread__actions">
          {actions && (
            <>
              <CardButton
                className="tandem-comments__button tandem-comments__button--primary"
                onClick={() => actions.accept(suggestion.id)}
              >
                Accept
              </CardButton>
              <CardButton onClick={() => actions.reject(suggestion.id)}>Reject</CardButton>
            </>
          )}
          {mayReply && !isActive && <CardButton onClick={reply.start}>Reply</CardButton>}
        </div>
      )}
    </SidebarCard>
  )
})

/** What the suggestion does, with the text it adds in its insertion style and the text it removes struck through. */
function SuggestionSummary({ suggestion, formattedText }: { suggestion: Suggestion; formattedText: string }) {
  const inserted = <ins className="tandem-suggestion__text">{shorten(suggestion.inserted)}</ins>
  const deleted = <del className="tandem-suggestion__text">{shorten(suggestion.deleted)}</del>
  switch (suggestion.kind) {
    case SuggestionKind.Add:
      return (
        <p className="tandem-suggestion__summary">
          <span className="tandem-suggestion__verb">Add:</span> {inserted}
        </p>
      )
    case SuggestionKind.Delete:
      return (
        <p className="tandem-suggestion__summary">
          <span className="tandem-suggestion__verb">Delete:</span> {deleted}
        </p>
      )
    case SuggestionKind.Replace:
      return (
        <p className="tandem-suggestion__summary">
          <span className="tandem-suggestion__verb">Replace</span> {deleted}{' '}
          <span className="tandem-suggestion__verb">with</span> {inserted}
        </p>
      )
    case SuggestionKind.Format:
      return (
        <p className="tandem-suggestion__summary">
          <span className="tandem-suggestion__verb">Format:</span> {formatChangeText(suggestion)}
          {formattedText && <span className="tandem-suggestion__quote">“{shorten(formattedText)}”</span>}
        </p>
      )
  }
}

/** Bulk decisions over every pending suggestion: above the cards, for the edit role. */
export function SuggestionsBar({ count, actions }: { count: number; actions: SuggestionActions }) {
  return (
    <div className="tandem-suggestions-bar" role="group" aria-label="Suggestions">
      <span className="tandem-suggestions-bar__count">{count === 1 ? '1 suggestion' : `${count} suggestions`}</span>
      <button type="button" className="tandem-comments__button" onClick={actions.acceptAll}>
        Accept all
      </button>
      <button type="button" className="tandem-comments__button" onClick={actions.rejectAll}>
        Reject all
      </button>
    </div>
  )
}
