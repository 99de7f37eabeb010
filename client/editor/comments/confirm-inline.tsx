import { useEffect, useRef, useState } from 'react'

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
      <button
        ref={triggerRef}
        type="button"
        className={className}
        disabled={disabled}
        onClick={(event) => {
          event.stopPropagation()
          setAsking(true)
        }}
      >
        {label}
      </button>
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
      <button
        ref={confirmRef}
        type="button"
        className="tandem-comments__button tandem-comments__button--danger"
        onClick={(event) => {
          event.stopPropagation()
          setAsking(false)
          onConfirm()
        }}
      >
        {confirmLabel}
      </button>
      <button
        type="button"
        className="tandem-comments__button"
        onClick={(event) => {
          event.stopPropagation()
          setAsking(false)
        }}
      >
        Cancel
      </button>
    </span>
  )
}
