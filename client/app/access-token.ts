/**
 * Tokens for servers with AUTH_SECRET. A share link carries one as `?token=`; the app keeps it per
 * document (and one for the list, from `/?token=`) in this browser, so moving between the list and
 * a document, or reloading, keeps access. Without auth there is no token and nothing is stored.
 */
const KEY_PREFIX = 'tandem:token:'
/** The key for the token given to the document list (a `doc: "*"` or pattern token). */
const LIST_SCOPE = '*'

function storageKey(scope: string): string {
  return `${KEY_PREFIX}${scope}`
}

/** Takes `?token=` off the address bar (it should not linger in history or screenshots) and keeps it. */
export function adoptTokenFromUrl(scope: string = LIST_SCOPE): void {
  const url = new URL(location.href)
  const token = url.searchParams.get('token')
  if (!token) return
  localStorage.setItem(storageKey(scope), token)
  url.searchParams.delete('token')
  history.replaceState(history.state, '', url.pathname + url.search + url.hash)
}

/** The token for `docId`: its own, else the list's (which may cover it by pattern). */
export function tokenFor(docId?: string): string | undefined {
  return (
    (docId ? localStorage.getItem(storageKey(docId)) : null) ??
    localStorage.getItem(storageKey(LIST_SCOPE)) ??
    undefined
  )
}

export function forgetToken(docId: string): void {
  localStorage.removeItem(storageKey(docId))
}
