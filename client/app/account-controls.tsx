import { MentionsInbox } from './mentions-inbox.js'
import { signInHref, signOut, useSession } from './sign-in.js'

/**
 * The header's account corner: "Sign in" when the server offers sign-in and nobody is signed in,
 * "Mentions", the person and "Sign out" when someone is; nothing at all without sign-in (DESIGN.md, "sign-in").
 */
export function AccountControls() {
  const session = useSession()
  if (!session || session.kind === 'unavailable') return null
  if (session.kind === 'signed-out') {
    return (
      <button type="button" className="button" onClick={() => location.assign(signInHref())}>
        Sign in
      </button>
    )
  }
  const { person, csrfToken } = session
  return (
    <div className="account">
      <MentionsInbox csrfToken={csrfToken} />
      <span className="account__avatar" style={{ background: person.colour }} aria-hidden="true">
        {person.name.slice(0, 1).toUpperCase()}
      </span>
      <span className="account__name" title={person.email ?? undefined}>
        {person.name}
      </span>
      <button type="button" className="button" onClick={() => void signOut(csrfToken)}>
        Sign out
      </button>
    </div>
  )
}
