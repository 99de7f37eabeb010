import { useEffect, useRef, useState } from 'react'
import { CardButton } from './card-parts.js'

export interface ConfirmInlineProps {
  /** The button's text ("Delete thread"). */
  label: string
  /** Asked in place once it is pressed ("Delete this thread for everyone?"). */
  question: string
  /** The confirming button's text. */
  confirmLabel?: string
  className: string
  disabled?: boolean
  onConfirm: () => void
}

/**
 * A destructive button that asks in place before acting (no `window.confirm`, which an embedding
 * app may not want and a test browser dismisses): the question takes the button's place with the
 * focus on its confirming button; Cancel or Escape puts the button back.
 */
export function ConfirmInline({
  label,
  question,
  confirmLabel = 'Delete',
  className,
  disabled,
  onConfirm,
}: ConfirmInlineProps) {
  const [isAsking, setAsking] = useState(false)
  const confirmRef = useRef<HTMLButtonElement>(null)
  const triggerRef = useRef<HTMLButtonElement>(null)
  const wasAsking = useRef(false)

  useEffect(() => {
    if (isAsking) confirmRef.current?.focus()
    else if (wasAsking.current) triggerRef.current?.focus()
    wasAsking.current = isAsking
  }, [isAsking])

  if (!isAsking) {
    return (
      <CardButton ref={triggerRef} className={className} disabled={disabled} onClick={() => setAsking(true)}>
        {label}
      </CardButton>
    )
  }
  return (
    <span
      className="tandem-confirm"
      role="group"
      aria-label={question}
      onKeyDown={(event) => {
        if (event.key !== 'Escape') return
        event.stopPropagation()
        setAsking(false)
      }}
    >
      <span className="tandem-confirm__question">{question}</span>
      <CardButton
        ref={confirmRef}
        className="tandem-comments__button tandem-comments__button--danger"
        onClick={() => {
          setAsking(false)
          onConfirm()
        }}
      >
        {confirmLabel}
      </CardButton>
      <CardButton onClick={() => setAsking(false)}>Cancel</CardButton>
    </span>
  )
}
