import type { TandemProvider } from '../provider/tandem-provider.js'
import { SyncState, type SyncState as SyncStateValue } from '../provider/sync-status.js'
import { ThreadHttpClient } from './thread-http-client.js'

const clients = new WeakMap<TandemProvider, ThreadHttpClient>()

/** States in which the server answers: kept comments are worth re-sending. */
const REACHABLE: ReadonlySet<SyncStateValue> = new Set([SyncState.Connected, SyncState.Saving, SyncState.Saved])

/**
 * The REST client for `provider`'s document (one per provider, shared by every `useThreads` on it, so
 * there is one queue of kept comments): the provider's server, token and writer name, re-sending
 * kept comments whenever the provider gets through to the server again. Needs `threads: true`.
 */
export function threadClientFor(provider: TandemProvider): ThreadHttpClient | null {
  const store = provider.threads
  if (!store) return null
  const existing = clients.get(provider)
  if (existing) return existing
  const client = new ThreadHttpClient({
    httpBase: provider.httpBase,
    docId: provider.docId,
    store,
    getToken: () => provider.getToken(),
    getAuthorName: () => {
      const name: unknown = provider.awareness.getLocalState()?.user?.name
      return typeof name === 'string' ? name : null
    },
    isActive: () => !provider.isDestroyed,
  })
  clients.set(provider, client)
  let wasReachable = REACHABLE.has(provider.getStatus().state)
  provider.subscribe(() => {
    const isReachable = REACHABLE.has(provider.getStatus().state)
    // Reconnected: the comments typed meanwhile go now (each with its id, so never twice).
    if (isReachable && !wasReachable) client.resume()
    wasReachable = isReachable
  })
  return client
}
