/**
 * Who a comment can mention (shared/mentions.ts): the people a document names, as a signed-in
 * browser reads them from the sharing API (docs/operations.md, "API for the web app"). Only on a
 * server with sign-in, and only for someone signed in there who has access: anywhere else (no
 * OIDC_ISSUER, an embedding app on another origin, a link without signing in) there is no
 * directory and comments are plain text.
 */

/** Someone a comment may mention. */
export interface MentionPerson {
  /** Their name, or the address when they have not signed in yet. */
  name: string
  /** Lowercased. */
  email: string
}

export interface MentionDirectory {
  /** The document's owner, then the people it is shared with; the signed-in person left out. */
  people: MentionPerson[]
  /** The signed-in person's own (lowercased) email: mentioning oneself needs no access offer. */
  selfEmail: string | null
  /** The signed-in person may share the document (the composer's "Share (can comment)"). */
  canShare: boolean
  /** Shares the document with `email` as a commenter; resolves with the directory after, rejects with the server's sentence. */
  share(email: string): Promise<MentionDirectory>
}

/** The parts of GET /auth/session and GET /api/docs/:docId/sharing read here. */
interface SessionBody {
  signedIn?: boolean
  csrfToken?: string
  person?: { email?: string | null }
}
interface SharingBody {
  owner?: { name?: string; email?: string | null } | null
  shares?: { email: string; name?: string | null }[]
  canShare?: boolean
}

type Fetch = typeof fetch

/**
 * The directory for `docId`, or null where mentions do not apply. Same-origin cookies only (the
 * default): an embedding app's page on another origin never sends the Tandem session.
 */
export async function loadMentionDirectory(
  httpBase: string,
  docId: string,
  fetchImpl: Fetch = (input, init) => globalThis.fetch(input, init),
): Promise<MentionDirectory | null> {
  if (!isSameOrigin(httpBase)) return null
  const sessionAnswer = await fetchImpl(`${httpBase}/auth/session`, { headers: { Accept: 'application/json' } })
  if (!sessionAnswer.ok) return null
  const session = (await sessionAnswer.json()) as SessionBody
  if (!session.signedIn || !session.csrfToken) return null
  const sharingUrl = `${httpBase}/api/docs/${encodeURIComponent(docId)}/sharing`
  const sharingAnswer = await fetchImpl(sharingUrl, { headers: { Accept: 'application/json' } })
  if (!sharingAnswer.ok) return null
  const csrfToken = session.csrfToken
  const selfEmail = session.person?.email?.toLowerCase() ?? null

  const directory = (sharing: SharingBody): MentionDirectory => ({
    people: peopleOf(sharing, selfEmail),
    selfEmail,
    canShare: sharing.canShare === true,
    share: async (email) => {
      const answer = await fetchImpl(`${sharingUrl}/people/${encodeURIComponent(email)}`, {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRF-Token': csrfToken },
        body: JSON.stringify({ role: 'comment' }),
      })
      const body = (await answer.json().catch(() => null)) as (SharingBody & { message?: string }) | null
      if (!answer.ok || !body) throw new Error(body?.message ?? `Could not share (HTTP ${answer.status}).`)
      return directory(body)
    },
  })
  return directory((await sharingAnswer.json()) as SharingBody)
}

/**
 * The session cookie goes only to the page's own origin: an embedding app on another origin has no
 * Tandem session to read, so it is not asked. Outside a browser (tests), every base counts.
 */
function isSameOrigin(httpBase: string): boolean {
  const page = (globalThis as { location?: { href: string; origin: string } }).location
  if (!page) return true
  try {
    return new URL(httpBase, page.href).origin === page.origin
  } catch {
    return false
  }
}

function peopleOf(sharing: SharingBody, selfEmail: string | null): MentionPerson[] {
  const people = new Map<string, MentionPerson>()
  const add = (email: string | null | undefined, name: string | null | undefined) => {
    const address = email?.toLowerCase()
    if (!address || address === selfEmail || people.has(address)) return
    people.set(address, { name: name?.trim() || address, email: address })
  }
  add(sharing.owner?.email, sharing.owner?.name)
  for (const share of sharing.shares ?? []) add(share.email, share.name)
  return [...people.values()]
}

/**
 * The people whose name or email contains `query` (case-insensitive), names that start with it
 * first, at most `limit`.
 */
export function matchPeople(people: readonly MentionPerson[], query: string, limit = 8): MentionPerson[] {
  const needle = query.toLowerCase()
  const starts: MentionPerson[] = []
  const contains: MentionPerson[] = []
  for (const person of people) {
    const name = person.name.toLowerCase()
    if (name.startsWith(needle) || person.email.startsWith(needle)) starts.push(person)
    else if (name.includes(needle) || person.email.includes(needle)) contains.push(person)
  }
  return [...starts, ...contains].slice(0, limit)
}
