/**
 * Documents this browser opened lately, for the list page's "Recent" (servers with sign-in only).
 * Kept in localStorage per person (a shared computer must not show one colleague's titles to the
 * next), newest first, at most MAX_RECENT_DOCUMENTS.
 */
const KEY_PREFIX = 'tandem:recent:'
/** Whoever opens documents without signing in (through a link the owner turned on). */
const SIGNED_OUT = '-'
/** As many as a glance takes in; the sections below list the rest. */
export const MAX_RECENT_DOCUMENTS = 10

export interface RecentDocument {
  id: string
  title: string
  /** ISO time this browser last opened it. */
  openedAt: string
}

function storageKey(personId: string | null): string {
  return `${KEY_PREFIX}${personId ?? SIGNED_OUT}`
}

export function recentDocuments(personId: string | null): RecentDocument[] {
  try {
    const stored = JSON.parse(localStorage.getItem(storageKey(personId)) ?? '[]') as unknown
    if (!Array.isArray(stored)) return []
    return stored
      .filter(
        (entry): entry is RecentDocument =>
          typeof entry === 'object' &&
          entry !== null &&
          typeof (entry as RecentDocument).id === 'string' &&
          typeof (entry as RecentDocument).title === 'string' &&
          typeof (entry as RecentDocument).openedAt === 'string',
      )
      .slice(0, MAX_RECENT_DOCUMENTS)
  } catch {
    return [] // unreadable or storage off: nothing recent
  }
}

/** Moves the document to the top (with its current title). */
export function rememberOpened(personId: string | null, id: string, title: string): void {
  const next = [
    { id, title, openedAt: new Date().toISOString() },
    ...recentDocuments(personId).filter((entry) => entry.id !== id),
  ].slice(0, MAX_RECENT_DOCUMENTS)
  try {
    localStorage.setItem(storageKey(personId), JSON.stringify(next))
  } catch {
    // storage off (privacy mode): no recent list
  }
}

/** Drops a document this person can no longer open (or that was deleted). */
export function forgetRecent(personId: string | null, id: string): void {
  try {
    const next = recentDocuments(personId).filter((entry) => entry.id !== id)
    localStorage.setItem(storageKey(personId), JSON.stringify(next))
  } catch {
    // storage off: nothing was kept
  }
}
