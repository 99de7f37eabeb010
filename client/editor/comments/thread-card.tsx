import { forwardRef, useState } from 'react'
import type { Comment, Thread } from '../../../shared/comments.js'
import type { PendingWrite, PlacedThread, ThreadClient } from '../../comments/threads-api.js'
import { fullDate, relativeTime } from '../relative-time.js'
import { CardButton, PendingComment, ReplyComposer, SidebarCard, useCardReply } from './card-parts.js'
import { CommentBody } from './comment-body.js'
import { CommentComposer, writeErrorMessage } from './comment-composer.js'
import { ConfirmInline } from './confirm-inline.js'
import { canComment, canDeleteThread, isOwnComment, type CommentViewer } from './comment-permissions.js'

export interface ThreadCardProps {
  placed: PlacedThread
  viewer: CommentViewer
  client: ThreadClient
  isActive: boolean
  /** Replies to this thread that wait to be sent. */
  pendingReplies: PendingWrite[]
  isQueued: (kind: PendingWrite['kind'], threadId: string | null) => (body: string) => boolean
  onActivate: (threadId: string) => void
}

/**
 * One thread: its quote, its comments, a reply box and its actions. Clicking or focusing the card
 * makes it the active thread (the editor then shows and scrolls to its text).
 */
export const ThreadCard = forwardRef<HTMLElement, ThreadCardProps>(function ThreadCard(
  { placed, viewer, client, isActive, pendingReplies, isQueued, onActivate },
  ref,
) {
  const { thread, place } = placed
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const reply = useCardReply(isActive, () => onActivate(thread.id))
  const isResolved = thread.status === 'resolved'
  const first = thread.comments[0]
  const titleId = `tandem-thread-${thread.id}-title`

  const run = async (write: () => Promise<unknown>) => {
    setBusy(true)
    setError(null)
    try {
      await write()
    } catch (failure) {
      setError(writeErrorMessage(failure))
    } finally {
      setBusy(false)
    }
  }

  return (
    <SidebarCard
      ref={ref}
      className="tandem-thread"
      data-thread-id={thread.id}
      data-status={thread.status}
      titleId={titleId}
      isActive={isActive}
      onActivate={() => onActivate(thread.id)}
    >
      <header className="tandem-thread__header">
        <h3 className="tandem-thread__title" id={titleId}>
          {place.kind === 'document' ? 'On the whole document' : `On “${truncate(thread.quote, 60)}”`}
        </h3>
        {place.kind === 'deleted' && <span className="tandem-thread__marker">On deleted text</span>}
        {isResolved && <span className="tandem-thread__marker tandem-thread__marker--resolved">Resolved</span>}
      </header>
      {place.kind !== 'document' && thread.quote && (
        <blockquote className="tandem-thread__quote" data-deleted={place.kind === 'deleted' || undefined}>
          {thread.quote}
        </blockquote>
      )}
      <ol className="tandem-thread__comments">
        {thread.comments.map((comment) => (
          <CommentItem
            key={comment.id}
            thread={thread}
            comment={comment}
            isOwn={isOwnComment(viewer, comment)}
            isOpening={comment === first}
            client={client}
          />
        ))}
        {pendingReplies.map((write) => (
          <PendingComment key={write.id} write={write} />
        ))}
      </ol>
      {error && (
        <p className="tandem-comments__error" role="alert">
          {error}
        </p>
      )}
      {canComment(viewer) && (
        <div className="tandem-thread__footer">
          {isActive && !isResolved && (
            <ReplyComposer
              reply={reply}
              isQueued={isQueued('reply', thread.id)}
              onSubmit={async (body) => {
                await client.reply(thread.id, body)
              }}
            />
          )}
          <div className="tandem-thread__actions">
            {!isActive && !isResolved && <CardButton onClick={reply.start}>Reply</CardButton>}
            <CardButton
              disabled={busy}
              onClick={() => void run(() => client.setStatus(thread.id, isResolved ? 'open' : 'resolved'))}
            >
              {isResolved ? 'Reopen' : 'Resolve'}
            </CardButton>
            {canDeleteThread(viewer) && (
              <ConfirmInline
                label="Delete thread"
                question="Delete this thread and its comments for everyone?"
                className="tandem-comments__button tandem-comments__button--danger"
                disabled={busy}
                onConfirm={() => void run(() => client.deleteThread(thread.id))}
              />
            )}
          </div>
        </div>
      )}
    </SidebarCard>
  )
})

export function CommentItem({
  thread,
  comment,
  isOwn,
  isOpening,
  client,
}: {
  thread: Thread
  comment: Comment
  isOwn: boolean
  isOpening: boolean
  client: ThreadClient
}) {
  const [isEditing, setEditing] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const remove = async () => {
    setError(null)
    try {
      await client.deleteComment(thread.id, comment.id)
    } catch (failure) {
      setError(writeErrorMessage(failure))
    }
  }
  return (
    <li className="tandem-comment" data-comment-id={comment.id}>
      <div className="tandem-comment__meta">
        <span className="tandem-comment__author">{comment.author.name}</span>
        {!comment.author.isVerified && (
          <span
            className="tandem-comment__unverified"
            title="The name was chosen in the browser that wrote this; the server cannot vouch for it."
          >
            unverified
          </span>
        )}
        <time className="tandem-comment__time" dateTime={comment.createdAt} title={fullDate(comment.createdAt)}>
          {relativeTime(comment.createdAt)}
        </time>
        {comment.editedAt && (
          <span className="tandem-comment__edited" title={fullDate(comment.editedAt)}>
            (edited)
          </span>
        )}
      </div>
      {isEditing ? (
        <CommentComposer
          label="Edit comment"
          initialBody={comment.body}
          submitLabel="Save"
          onCancel={() => setEditing(false)}
          onSubmit={async (body) => {
            await client.editComment(thread.id, comment.id, body)
            setEditing(false)
          }}
        />
      ) : (
        <CommentBody body={comment.body} />
      )}
      {error && (
        <p className="tandem-comments__error" role="alert">
          {error}
        </p>
      )}
      {isOwn && !isEditing && (
        <div className="tandem-comment__actions">
          <CardButton className="tandem-comments__link-button" onClick={() => setEditing(true)}>
            Edit
          </CardButton>
          <ConfirmInline
            label="Delete"
            question={
              isOpening && thread.comments.length === 1 ? 'Delete this comment and its thread?' : 'Delete this comment?'
            }
            className="tandem-comments__link-button"
            onConfirm={() => void remove()}
          />
        </div>
      )}
    </li>
  )
}

function truncate(text: string, max: number): string {
  const single = text.replace(/\s+/g, ' ').trim()
  return single.length > max ? `${single.slice(0, max - 1)}…` : single
}
