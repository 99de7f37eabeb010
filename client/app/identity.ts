import { useCallback, useState } from 'react'
import { completeUser, isUserColor, type EditorUser } from '../editor/user-identity.js'

const STORAGE_KEY = 'tandem:user'

function readIdentity(): EditorUser {
  try {
    const stored = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null') as Partial<EditorUser> | null
    if (stored && typeof stored.name === 'string' && stored.name.trim() && isUserColor(stored.color)) {
      return { name: stored.name, color: stored.color }
    }
  } catch {
    // unreadable: make a new one below
  }
  const fresh = completeUser(undefined)
  localStorage.setItem(STORAGE_KEY, JSON.stringify(fresh))
  return fresh
}

/**
 * This browser's name and colour, remembered across documents and visits; the setter is null when
 * a signed-in person's verified name and colour (from the session) are used instead: carets and
 * presence then show who really writes, and that is not the writer's to change here.
 */
export function useIdentity(verified?: EditorUser | null): [EditorUser, ((next: EditorUser) => void) | null] {
  const [identity, setIdentity] = useState(readIdentity)
  const update = useCallback(
    (next: EditorUser) => {
      const clean = { name: next.name.trim().slice(0, 40) || identity.name, color: next.color }
      localStorage.setItem(STORAGE_KEY, JSON.stringify(clean))
      setIdentity(clean)
    },
    [identity.name],
  )
  if (verified) return [verified, null]
  return [identity, update]
}
