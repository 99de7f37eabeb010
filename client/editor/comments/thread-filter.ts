/** Which threads the Comments sidebar lists. */
export type ThreadFilter = 'open' | 'resolved' | 'all'

/** The filter a reader gets before choosing one: what is still to discuss. */
export const DEFAULT_THREAD_FILTER: ThreadFilter = 'open'

/**
 * localStorage key of the last filter chosen. One per browser, not per document: the filter is how
 * a reader likes to read comments, wherever they are (the editing mode, a choice about one
 * document, is kept per document instead).
 */
const FILTER_KEY = 'tandem:comment-filter'

interface KeyValueStorage {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
}

/** localStorage, typed without the DOM library (this module is also checked as Node code by the tests). */
function pageStorage(): KeyValueStorage | undefined {
  return (globalThis as { localStorage?: KeyValueStorage }).localStorage
}

export function isThreadFilter(value: unknown): value is ThreadFilter {
  return value === 'open' || value === 'resolved' || value === 'all'
}

/** The filter last chosen in this browser, else the default (also when storage is off or holds junk). */
export function rememberedFilter(): ThreadFilter {
  try {
    const stored = pageStorage()?.getItem(FILTER_KEY)
    return isThreadFilter(stored) ? stored : DEFAULT_THREAD_FILTER
  } catch {
    return DEFAULT_THREAD_FILTER // storage off (privacy mode): nothing remembered
  }
}

/** Keeps `filter` for the next page of any document in this browser. */
export function rememberFilter(filter: ThreadFilter): void {
  try {
    pageStorage()?.setItem(FILTER_KEY, filter)
  } catch {
    // storage off: the choice lasts for this page only
  }
}
