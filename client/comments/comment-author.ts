/**
 * Who writes a comment when the token names no person (no AUTH_SECRET, or a share link several
 * people open): the browser's own claim, kept honest as unverified by the server (docs/security.md).
 * The id is stable per browser so "edit / delete your own comments" works across reloads.
 */

/** Header carrying this browser's stable author id (used only when the token names no person). */
export const AUTHOR_ID_HEADER = 'X-Tandem-Author-Id'
/** Header carrying the name this browser writes under (used only when the token names no person). */
export const AUTHOR_NAME_HEADER = 'X-Tandem-Author-Name'

const AUTHOR_ID_KEY = 'tandem:author-id'
/** Longest name sent; the server cuts names too, this keeps the header small. */
const MAX_AUTHOR_NAME_CHARS = 100

let memoryAuthorId: string | null = null

interface KeyValueStorage {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
}

/** localStorage, typed without the DOM library (this module is also checked as Node code). */
function pageStorage(): KeyValueStorage | undefined {
  return (globalThis as { localStorage?: KeyValueStorage }).localStorage
}

/** This browser's author id, created once and kept in localStorage (in memory when storage is off). */
export function browserAuthorId(): string {
  try {
    const stored = pageStorage()?.getItem(AUTHOR_ID_KEY)
    if (stored && /^[A-Za-z0-9_-]{8,64}$/.test(stored)) return stored
    const fresh = memoryAuthorId ?? randomId()
    pageStorage()?.setItem(AUTHOR_ID_KEY, fresh)
    memoryAuthorId = fresh
    return fresh
  } catch {
    // storage disabled (privacy mode): stable for this page's life at least
    memoryAuthorId ??= randomId()
    return memoryAuthorId
  }
}

/** The author headers for a REST write; the name is left out when there is none. */
export function authorHeaders(name: string | null): Record<string, string> {
  const headers: Record<string, string> = { [AUTHOR_ID_HEADER]: browserAuthorId() }
  const clean = name?.trim().slice(0, MAX_AUTHOR_NAME_CHARS)
  // Header values must be ISO-8859-1; encodeURIComponent keeps any name sendable (the server decodes).
  if (clean) headers[AUTHOR_NAME_HEADER] = encodeURIComponent(clean)
  return headers
}

/** A random id in the form the REST API accepts for client-chosen ids (`[A-Za-z0-9_-]{8,64}`). */
export function randomId(): string {
  const bytes = new Uint8Array(16)
  globalThis.crypto.getRandomValues(bytes)
  let id = ''
  for (const byte of bytes) id += ID_ALPHABET[byte & 63]
  return id
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
