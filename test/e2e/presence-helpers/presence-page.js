/* global window, location, URLSearchParams */
import { PresenceMode } from '../../../client/presence/presence-mode.js'
import { TandemProvider } from '../../../client/provider/tandem-provider.js'

// Plain JavaScript on purpose: the test project's tsconfig has no DOM types; Vite compiles the
// TypeScript it imports.

/**
 * A page with one TandemProvider and no editor: the e2e test drives its awareness the way the
 * editor's caret extension does (`user` once, `cursor` on every selection change) and reads what
 * the page sees of the others.
 */
const params = new URLSearchParams(location.search)
const name = params.get('name') ?? 'anonymous'
const provider = new TandemProvider({
  docId: params.get('doc') ?? 'presence',
  serverUrl: params.get('server') ?? location.origin,
  presence: params.get('presence') ?? PresenceMode.Auto,
  offline: false,
  crossTab: false,
  ...(params.get('token') && { token: params.get('token') }),
})
provider.awareness.setLocalStateField('user', { name, color: '#0a7' })

const testApi = {
  /** Everyone else this page shows, sorted by name. */
  peers() {
    const views = []
    for (const [id, state] of provider.awareness.getStates()) {
      if (id === provider.awareness.clientID) continue
      const user = state.user
      const cursor = state.cursor
      if (user?.name) views.push({ name: user.name, cursor: cursor?.head ?? null })
    }
    return views.sort((a, b) => a.name.localeCompare(b.name))
  },
  /** Moves this page's cursor, as a selection change in the editor would. */
  move(position) {
    provider.awareness.setLocalStateField('cursor', { anchor: position, head: position })
  },
  /** Peers with an open data channel. */
  directPeers() {
    return provider.presence.peerToPeer?.directPeers.length ?? 0
  },
  /** Peers known through signalling. */
  knownPeers() {
    return provider.presence.peerToPeer?.knownPeers.length ?? 0
  },
  isSignalled() {
    return provider.presence.peerToPeer?.isSignalled ?? false
  },
  stats() {
    return provider.presence.peerToPeer?.stats ?? null
  },
  isSynced() {
    return provider.getStatus().isSynced
  },
}

window.tandem = testApi
