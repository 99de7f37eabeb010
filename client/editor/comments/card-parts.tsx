/** The pieces every card of the "Comments" sidebar is made of, threads and suggestions alike. */
import { forwardRef, useEffect, useState, type ComponentPropsWithoutRef, type ReactNode } from 'react'
import type { PendingWrite } from '../../comments/threads-api.js'
import { CommentBody } from './comment-body.js'
import { CommentComposer } from './comment-composer.js'

export interface SidebarCardProps extends Omit<
  ComponentPropsWithoutRef<'article'>,
  'onClick' | 'onFocus' | 'tabIndex' | 'aria-labelledby'
> {
  /** The id of the card's heading, which names the card for screen readers. */
  titleId: string
  isActive: boolean
  /** Makes this the active card (the editor then shows and scrolls to its text). */
  onActivate: () => void
}

/**
 * A card that becomes the active one when it is clicked or focused (from its highlight). The
 * buttons on it are CardButtons, so pressing one does its own job and does not also activate it.
 */
export const SidebarCard = forwardRef<HTMLElement, SidebarCardProps>(function SidebarCard(
  { titleId, isActive, onActivate, children, ...attributes },
  ref,
) {
  return (
    <article
      ref={ref}
      {...attributes}
      data-active={isActive || undefined}
      aria-labelledby={titleId}
      tabIndex={-1}
      onClick={() => !isActive && onActivate()}
      // Only the card itself (focused from its highlight): activating on a button's focus would swap
      // the Reply button for the reply box under the keyboard's focus.
      onFocus={(event) => event.target === event.currentTarget && !isActive && onActivate()}
    >
      {children}
    </article>
  )
})

export interface CardButtonProps {
  /** The button's classes; the sidebar's ordinary button when absent. */
  className?: string
  disabled?: boolean
  onClick: () => void
  children: ReactNode
}

/** A button on a card: its click is its own and does not reach the card (which would activate it). */
export const CardButton = forwardRef<HTMLButtonElement, CardButtonProps>(function CardButton(
  { className = 'tandem-comments__button', disabled, onClick, children },
  ref,
) {
  return (
    <button
      ref={ref}
      type="button"
      className={className}
      disabled={disabled}
      onClick={(event) => {
        event.stopPropagation()
        onClick()
      }}
    >
      {children}
    </button>
  )
})

/** The mark of a write this device keeps until the server is back. */
export function WaitingToSend() {
  return (
    <div className="tandem-comment__meta">
      <span className="tandem-comment__pending">Waiting to send</span>
    </div>
  )
}

/** A reply that waits to be sent, shown in its conversation after the comments the server has. */
export function PendingComment({ write }: { write: PendingWrite }) {
  return (
    <li className="tandem-comment" data-pending>
      <WaitingToSend />
      <CommentBody body={write.body} />
    </li>
  )
}

/** How a card replies: its Reply button starts a reply, and an active card shows the reply box. */
export interface CardReply {
  /** The reply was started by the Reply button: the reply box takes focus when it appears. */
  wasStarted: boolean
  /** The Reply button's action: makes the card active, its reply box focused. */
  start: () => void
}

/**
 * A card's reply state. Activating the card otherwise (a click on it, its highlight) shows the reply
 * box without taking the focus; the start is forgotten once the card is no longer active.
 */
export function useCardReply(isActive: boolean, onActivate: () => void): CardReply {
  const [wasStarted, setStarted] = useState(false)
  useEffect(() => {
    if (!isActive) setStarted(false)
  }, [isActive])
  return {
    wasStarted,
    start: () => {
      setStarted(true)
      onActivate()
    },
  }
}

/** An active card's reply box: it stays open, emptied, after each reply. */
export function ReplyComposer({
  reply,
  isQueued,
  onSubmit,
}: {
  reply: CardReply
  isQueued: (body: string) => boolean
  onSubmit: (body: string) => Promise<void>
}) {
  return (
    <CommentComposer
      label="Reply"
      placeholder="Reply…"
      submitLabel="Reply"
      autoFocus={reply.wasStarted}
      isPersistent
      isQueued={isQueued}
      onSubmit={onSubmit}
    />
  )
}
