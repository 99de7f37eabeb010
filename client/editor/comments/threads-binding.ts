/** Where the comments UI meets the client data layer (client/comments). */
import { useEffect, useMemo, useState } from 'react'
import { browserAuthorId } from '../../comments/comment-author.js'
import type { TandemProvider } from '../../provider/tandem-provider.js'
import { tokenClaim, tokenSubject } from './token-claims.js'

export { tokenRole, tokenSubject } from './token-claims.js'

export { anchorForRange, placeOf, quoteForRange } from '../../comments/anchors.js'
export { useThreads } from '../../comments/use-threads.js'

/** The person a token names: its `sub`, and its `name` claim when it has a non-blank one. */
interface TokenPerson {
  id: string
  name: string | null
}

/**
 * The person the provider's token names, once the token is read; null until then, without a
 * provider, and while the token names nobody (then this browser's author id stands for the writer).
 */
function useTokenPerson(provider: TandemProvider | null): TokenPerson | null {
  const [person, setPerson] = useState<TokenPerson | null>(null)
  useEffect(() => {
    if (!provider) return
    let isCurrent = true
    provider
      .getToken()
      .then((token) => {
        const sub = tokenSubject(token)
        const name = tokenClaim(token, 'name')
        if (isCurrent && sub) setPerson({ id: sub, name: typeof name === 'string' && name.trim() ? name : null })
      })
      .catch(() => undefined) // no token: the browser id is all there is
    return () => {
      isCurrent = false
    }
  }, [provider])
  return person
}

/**
 * The author ids this writer's comments carry: the browser's own id (when the token names no
 * person) and the token's subject (when it does). Only to tell one's own comments: the server decides.
 */
export function useOwnAuthorIds(provider: TandemProvider | null): readonly string[] {
  const personId = useTokenPerson(provider)?.id
  return useMemo(() => (personId ? [browserAuthorId(), personId] : [browserAuthorId()]), [personId])
}

/** Who this writer's suggestions name (the Suggesting extension's author). */
export interface SuggestionAuthorIdentity {
  id: string
  name: string
}

/**
 * The author of this writer's suggestions: the token's person (its `sub`, and its `name` when it
 * has one: the server then requires that `sub` on the suggestions), else this browser's author id
 * with `fallbackName` (the name the writer chose), as comments do.
 */
export function useSuggestionAuthor(provider: TandemProvider | null, fallbackName: string): SuggestionAuthorIdentity {
  const person = useTokenPerson(provider)
  return { id: person?.id ?? browserAuthorId(), name: person?.name ?? fallbackName }
}
