import { useEffect, useRef, useState, type FormEvent } from 'react'
import { Icon } from '../editor/icons.js'
import { initials } from '../editor/user-identity.js'
import { ApiError } from './docs-api.js'
import { UNTITLED } from './document-title.js'
import {
  getSharing,
  sharePerson,
  transferOwnership,
  unsharePerson,
  updateSharing,
  type Sharing,
} from './sharing-api.js'
import { signInHref, type SignedInPerson } from './sign-in.js'
import { errorMessage } from '../../shared/errors.js'
import { ROLES, type Role } from '../../shared/roles.js'
import './confirm-dialog.css'
import './share-dialog.css'

/** How each role reads in the dialog; the choices come in ROLES' order, weakest first (the server's). */
const ROLE_LABELS: Record<Role, string> = {
  view: 'Can view',
  comment: 'Can comment',
  edit: 'Can edit',
}

/** What anyone with the address gets, per link setting ('' is off). */
const LINK_LABELS: Record<Role | '', string> = {
  '': 'Only people added can open',
  view: 'Anyone with the link can view',
  comment: 'Anyone with the link can comment',
  edit: 'Anyone with the link can edit',
}

interface ShareDialogProps {
  docId: string
  title: string
  /** The signed-in person; null for someone here through the document's link. */
  person: SignedInPerson | null
  onClose: () => void
}

/**
 * "Share" on a server with sign-in (docs/operations.md, "Sharing"): who has access and with which
 * role, adding people by email, the link setting and ownership. What shows as a control follows
 * the server's `canShare` / `canManage`; the server checks every change again.
 */
export function ShareDialog({ docId, title, person, onClose }: ShareDialogProps) {
  const ref = useRef<HTMLDialogElement>(null)
  const [sharing, setSharing] = useState<Sharing | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [isSignInNeeded, setSignInNeeded] = useState(false)
  const [notice, setNotice] = useState<string | null>(null)
  const [isBusy, setBusy] = useState(false)

  useEffect(() => {
    // The native modal dialog keeps focus inside, makes the page behind inert and closes on Escape.
    const dialog = ref.current
    if (dialog && !dialog.open) dialog.showModal()
  }, [])

  useEffect(() => {
    let isCurrent = true
    getSharing(docId)
      .then((next) => isCurrent && setSharing(next))
      .catch((cause) => {
        if (!isCurrent) return
        if (cause instanceof ApiError && cause.status === 401) setSignInNeeded(true)
        else setError(`Could not load who has access: ${errorMessage(cause)}`)
      })
    return () => {
      isCurrent = false
    }
  }, [docId])

  /** Runs one change; the server's answer replaces what is shown, its refusal shows in the dialog. */
  const change = async (action: () => Promise<Sharing>, done?: string): Promise<boolean> => {
    setBusy(true)
    setError(null)
    setNotice(null)
    try {
      setSharing(await action())
      if (done) setNotice(done)
      return true
    } catch (cause) {
      setError(sentence(errorMessage(cause)))
      return false
    } finally {
      setBusy(false)
    }
  }

  const copyLink = async () => {
    const url = `${location.origin}/d/${encodeURIComponent(docId)}`
    const who = sharing?.linkRole ? LINK_LABELS[sharing.linkRole] : 'Only people with access can open it'
    try {
      await navigator.clipboard.writeText(url)
      setNotice(`Link copied. ${who}.`)
    } catch {
      window.prompt(`Copy this link to share the document. ${who}.`, url)
    }
  }

  const isYou = (email: string | null) => email !== null && email === person?.email?.toLowerCase()

  return (
    <dialog ref={ref} className="dialog share-dialog" aria-labelledby="share-title" onClose={onClose}>
      <div className="share-dialog__head">
        <div>
          <h2 id="share-title">Share</h2>
          <p className="share-dialog__doc">“{title || UNTITLED}”</p>
        </div>
        <button type="button" className="icon-button" aria-label="Close" title="Close" onClick={onClose}>
          <Icon name="close" />
        </button>
      </div>

      {isSignInNeeded && (
        <p className="share-dialog__note">
          Sign in to see and change who has access. <a href={signInHref()}>Sign in</a>
        </p>
      )}
      {!sharing && !isSignInNeeded && !error && <p className="muted">Loading…</p>}

      {sharing?.canShare && (
        <AddPeople
          disabled={isBusy}
          onAdd={(email, role) => change(() => sharePerson(docId, email, role), `Shared with ${email}.`)}
        />
      )}

      {sharing && (
        <section aria-labelledby="share-people">
          <h3 id="share-people">People with access</h3>
          <ul className="share-people">
            <li className="share-person">
              {sharing.owner ? (
                <PersonLabel
                  name={sharing.owner.name}
                  email={sharing.owner.email}
                  colour={sharing.owner.colour}
                  isYou={sharing.owner.id === person?.id}
                />
              ) : (
                <span className="muted">No owner yet: an administrator can transfer it to someone.</span>
              )}
              <span className="share-person__role">Owner</span>
            </li>
            {sharing.shares.map((share) => (
              <li key={share.email} className="share-person">
                <PersonLabel name={share.name} email={share.email} isYou={isYou(share.email)} />
                {sharing.canShare ? (
                  <span className="share-person__controls">
                    <select
                      aria-label={`Role for ${share.email}`}
                      value={share.role}
                      disabled={isBusy}
                      onChange={(event) => {
                        const role = event.target.value as Role
                        void change(
                          () => sharePerson(docId, share.email, role),
                          `${share.email}: ${ROLE_LABELS[role].toLowerCase()}.`,
                        )
                      }}
                    >
                      {ROLES.map((role) => (
                        <option key={role} value={role}>
                          {ROLE_LABELS[role]}
                        </option>
                      ))}
                    </select>
                    <button
                      type="button"
                      className="icon-button icon-button--danger"
                      aria-label={`Remove ${share.email}`}
                      title="Remove access"
                      disabled={isBusy}
                      onClick={() => void change(() => unsharePerson(docId, share.email), `Removed ${share.email}.`)}
                    >
                      <Icon name="trash" size={16} />
                    </button>
                  </span>
                ) : (
                  <span className="share-person__role">{ROLE_LABELS[share.role]}</span>
                )}
              </li>
            ))}
          </ul>
        </section>
      )}

      <section aria-labelledby="share-link">
        <h3 id="share-link">General access</h3>
        <div className="share-link">
          {sharing?.canManage ? (
            <select
              aria-label="Link sharing"
              value={sharing.linkRole ?? ''}
              disabled={isBusy}
              onChange={(event) => {
                const linkRole = (event.target.value || null) as Role | null
                void change(() => updateSharing(docId, { linkRole }))
              }}
            >
              {(['', ...ROLES] as const).map((role) => (
                <option key={role} value={role}>
                  {LINK_LABELS[role]}
                </option>
              ))}
            </select>
          ) : (
            sharing && <span className="muted">{LINK_LABELS[sharing.linkRole ?? '']}</span>
          )}
          <button type="button" className="button" onClick={() => void copyLink()}>
            <Icon name="link" size={16} /> Copy link
          </button>
        </div>
        {sharing?.canManage && (
          <label className="share-dialog__check">
            <input
              type="checkbox"
              checked={sharing.editorsCanShare}
              disabled={isBusy}
              onChange={(event) => {
                const editorsCanShare = event.target.checked
                void change(() => updateSharing(docId, { editorsCanShare }))
              }}
            />
            Editors can share
            <span className="muted small">(add people and change their roles)</span>
          </label>
        )}
      </section>

      {sharing?.canManage && (
        <TransferOwnership
          disabled={isBusy}
          onTransfer={(email) => change(() => transferOwnership(docId, email), `${email} now owns this document.`)}
        />
      )}

      <div className="share-dialog__messages">
        {error && (
          <p className="notice notice--error" role="alert">
            {error}
          </p>
        )}
        {notice && (
          <p className="share-dialog__notice" role="status">
            {notice}
          </p>
        )}
      </div>

      <div className="dialog__actions">
        <button type="button" className="button button--primary" onClick={onClose}>
          Done
        </button>
      </div>
    </dialog>
  )
}

function AddPeople({ disabled, onAdd }: { disabled: boolean; onAdd: (email: string, role: Role) => Promise<boolean> }) {
  const [email, setEmail] = useState('')
  const [role, setRole] = useState<Role>('edit')
  const submit = async (event: FormEvent) => {
    event.preventDefault()
    if (!email.trim()) return
    if (await onAdd(email.trim(), role)) setEmail('')
  }
  return (
    // noValidate: the server's words for a bad address show in the dialog, like its other refusals.
    <form className="share-add" noValidate onSubmit={(event) => void submit(event)}>
      <input
        type="email"
        aria-label="Add people"
        placeholder="Add people by email"
        autoComplete="email"
        value={email}
        autoFocus
        onChange={(event) => setEmail(event.target.value)}
      />
      <select aria-label="Role for new people" value={role} onChange={(event) => setRole(event.target.value as Role)}>
        {ROLES.map((option) => (
          <option key={option} value={option}>
            {ROLE_LABELS[option]}
          </option>
        ))}
      </select>
      <button type="submit" className="button button--primary" disabled={disabled || !email.trim()}>
        Add
      </button>
    </form>
  )
}

function TransferOwnership({
  disabled,
  onTransfer,
}: {
  disabled: boolean
  onTransfer: (email: string) => Promise<boolean>
}) {
  const [email, setEmail] = useState('')
  return (
    <details className="share-transfer">
      <summary>Transfer ownership</summary>
      <form
        className="share-add"
        noValidate
        onSubmit={(event) => {
          event.preventDefault()
          if (email.trim()) void onTransfer(email.trim()).then((isDone) => isDone && setEmail(''))
        }}
      >
        <input
          type="email"
          aria-label="New owner's email"
          placeholder="New owner's email (they must have signed in once)"
          value={email}
          onChange={(event) => setEmail(event.target.value)}
        />
        <button type="submit" className="button" disabled={disabled || !email.trim()}>
          Transfer
        </button>
      </form>
    </details>
  )
}

function PersonLabel({
  name,
  email,
  colour,
  isYou,
}: {
  name: string | null
  email: string | null
  colour?: string
  isYou: boolean
}) {
  const shown = name ?? email ?? 'Someone'
  return (
    <span className="share-person__who">
      <span className="share-person__avatar" style={colour ? { background: colour } : undefined} aria-hidden="true">
        {initials(shown)}
      </span>
      <span className="share-person__text">
        <span className="share-person__name">
          {shown}
          {isYou && <span className="muted"> (you)</span>}
        </span>
        {name && email && <span className="share-person__email muted small">{email}</span>}
      </span>
    </span>
  )
}

/** The server's messages are lower-case phrases ("… is not an email address"): shown as a sentence. */
function sentence(message: string): string {
  const text = message.charAt(0).toUpperCase() + message.slice(1)
  return /[.!?]$/.test(text) ? text : `${text}.`
}
