/** Where the comments UI meets the client data layer (client/comments). */
import { useEffect, useState } from 'react'
import { browserAuthorId } from '../../comments/comment-author.js'
import type { TandemProvider } from '../../provider/tandem-provider.js'

export { anchorForRange, placeOf, quoteForRange } from '../../comments/anchors.js'
export { useThreads } from '../../comments/use-threads.js'

/** The JWT `sub` claim, read without verifying (the server verifies; this only picks which buttons to show). */
export function tokenSubject(token: string | undefined): string | null {
  const payload = token?.split('.')[1]
  if (!payload) return null
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'))
    const sub: unknown = (JSON.parse(json) as { sub?: unknown }).sub
    return typeof sub === 'string' ? sub : null
  } catch {
    return null
  }
}

/**
 * The author ids this writer's comments carry: the browser's own id (when the token names no
 * person) and the token's subject (when it does). Only to tell one's own comments: the server decides.
 */
export function useOwnAuthorIds(provider: TandemProvider | null): readonly string[] {
  const [ids, setIds] = useState<readonly string[]>(() => [browserAuthorId()])
  useEffect(() => {
    if (!provider) return
    let isCurrent = true
    provider
      .getToken()
      .then((token) => {
        const sub = tokenSubject(token)
        if (isCurrent && sub) setIds([browserAuthorId(), sub])
      })
      .catch(() => undefined) // no token: the browser id is all there is
    return () => {
      isCurrent = false
    }
  }, [provider])
  return ids
}
