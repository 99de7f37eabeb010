import { signInHref } from './sign-in.js'
import { navigate } from './router.js'

/**
 * What the editor page shows instead of the document when the server with sign-in does not let
 * this browser in: say which case it is, and offer the one useful next step.
 */
export function AccessMessage({
  reason,
  hadAccess,
  email,
}: {
  reason: 'sign-in-needed' | 'no-access'
  /** The document was open in this page and access ended while it was. */
  hadAccess: boolean
  /** Who is signed in, when someone is. */
  email: string | null
}) {
  if (reason === 'sign-in-needed') {
    return (
      <section className="access-message" aria-labelledby="access-title">
        <h1 id="access-title">Sign in to open this document</h1>
        <p>
          {hadAccess
            ? 'You were signed out, so this document closed. Sign in again to keep working on it.'
            : 'Only the people it is shared with can open this document. Sign in with your organisation’s account to open it.'}
        </p>
        <a className="button button--primary" href={signInHref()}>
          Sign in
        </a>
      </section>
    )
  }
  return (
    <section className="access-message" aria-labelledby="access-title">
      <h1 id="access-title">No access</h1>
      <p>
        {hadAccess
          ? 'You no longer have access to this document. Ask its owner to share it again.'
          : `You do not have access to this document. Ask its owner to share it with you${email ? ` (${email})` : ''}.`}
      </p>
      {hadAccess && <p className="muted small">Changes you made here that were not saved stay on this device only.</p>}
      <a
        className="button"
        href="/"
        onClick={(event) => {
          event.preventDefault()
          navigate('/')
        }}
      >
        Back to documents
      </a>
    </section>
  )
}
