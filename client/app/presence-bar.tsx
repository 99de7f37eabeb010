import { useEffect, useRef, useState } from 'react'
import type { PresenceUser } from '../editor/hooks.js'
import { initials, USER_COLORS, type EditorUser } from '../editor/user-identity.js'
import './presence-bar.css'

/** Shown avatars before the rest collapse into "+N". */
const MAX_AVATARS = 4

interface PresenceBarProps {
  users: PresenceUser[]
  identity: EditorUser
  /** null: the name is the signed-in person's, verified, and not changed here. */
  onIdentityChange: ((next: EditorUser) => void) | null
}

/**
 * Everyone in the document; your own avatar opens a small form to change your name and colour
 * (unless you are signed in: then it is your account's).
 */
export function PresenceBar({ users, identity, onIdentityChange }: PresenceBarProps) {
  const [isEditing, setEditing] = useState(false)
  const others = users.filter((user) => !user.isSelf)
  const shown = others.slice(0, MAX_AVATARS)
  const hidden = others.slice(MAX_AVATARS)
  return (
    <div className="presence" aria-label={`${users.length || 1} people in this document`}>
      <ul className="presence__list">
        {shown.map((user) => (
          <li key={user.clientId}>
            <Avatar user={user} />
          </li>
        ))}
        {hidden.length > 0 && (
          <li>
            <span className="avatar avatar--more" title={hidden.map((user) => user.name).join(', ')}>
              +{hidden.length}
            </span>
          </li>
        )}
      </ul>
      <div className="presence__self">
        {onIdentityChange ? (
          <button
            type="button"
            className="avatar avatar--self"
            style={{ background: identity.color }}
            aria-label={`You are ${identity.name}. Change your name or colour`}
            aria-expanded={isEditing}
            title={`${identity.name} (you)`}
            onClick={() => setEditing((open) => !open)}
          >
            {initials(identity.name)}
          </button>
        ) : (
          <span
            className="avatar avatar--self"
            style={{ background: identity.color }}
            role="img"
            aria-label={`You are ${identity.name} (signed in)`}
            title={`${identity.name} (you, signed in)`}
          >
            {initials(identity.name)}
          </span>
        )}
        {isEditing && onIdentityChange && (
          <IdentityEditor identity={identity} onChange={onIdentityChange} onClose={() => setEditing(false)} />
        )}
      </div>
    </div>
  )
}

function Avatar({ user }: { user: PresenceUser }) {
  const label = `${user.name}${user.isIdle ? ' (idle)' : ''}`
  return (
    <span
      className={user.isIdle ? 'avatar avatar--idle' : 'avatar'}
      style={{ background: user.color }}
      title={label}
      aria-label={label}
      role="img"
      data-presence-name={user.name}
    >
      {initials(user.name)}
    </span>
  )
}

function IdentityEditor({
  identity,
  onChange,
  onClose,
}: {
  identity: EditorUser
  onChange: (next: EditorUser) => void
  onClose: () => void
}) {
  const [name, setName] = useState(identity.name)
  const ref = useRef<HTMLFormElement>(null)
  useEffect(() => {
    const onPointerDown = (event: PointerEvent) => {
      if (!ref.current?.contains(event.target as Node)) onClose()
    }
    document.addEventListener('pointerdown', onPointerDown)
    return () => document.removeEventListener('pointerdown', onPointerDown)
  }, [onClose])
  return (
    <form
      ref={ref}
      className="popover identity-editor"
      aria-label="Your name and colour"
      onSubmit={(event) => {
        event.preventDefault()
        onChange({ name, color: identity.color })
        onClose()
      }}
      onKeyDown={(event) => event.key === 'Escape' && onClose()}
    >
      <label className="field">
        <span>Your name</span>
        <input
          value={name}
          maxLength={40}
          autoFocus
          onChange={(event) => setName(event.target.value)}
          onBlur={() => onChange({ name, color: identity.color })}
        />
      </label>
      <fieldset className="swatches">
        <legend>Colour</legend>
        {USER_COLORS.map((color) => (
          <button
            key={color}
            type="button"
            className="swatch"
            style={{ background: color }}
            aria-label={`Colour ${color}`}
            aria-pressed={color === identity.color}
            onClick={() => onChange({ name, color })}
          />
        ))}
      </fieldset>
      <p className="muted small">Others see this name on your cursor. It is remembered on this device.</p>
    </form>
  )
}
