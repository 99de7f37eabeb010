/* global window, location, URLSearchParams, performance */
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
  ...(params.get('meshPeerLimit') && { meshPeerLimit: Number(params.get('meshPeerLimit')) }),
  offline: false,
  crossTab: false,
  ...(params.get('token') && { token: params.get('token') }),
})
provider.awareness.setLocalStateField('user', { name, color: '#0a7' })

/** A clock shared by every page of the machine, in ms with fractions (for caret delays). */
const now = () => performance.timeOrigin + performance.now()
/** While tracking (the bench): when this page set each cursor position, and when others' arrived. */
let tracking = null

provider.awareness.on('change', ({ added, updated }) => {
  if (tracking === null) return
  const at = now()
  for (const id of [...added, ...updated]) {
    if (id === provider.awareness.clientID) continue
    const state = provider.awareness.getStates().get(id)
    const head = state?.cursor?.head
    if (state?.user?.name && typeof head === 'number') tracking.arrivals.push([state.user.name, head, at])
  }
})

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
    tracking?.moves.push([position, now()])
    provider.awareness.setLocalStateField('cursor', { anchor: position, head: position })
  },
  /** Starts recording moves and arrivals (the bench's remote-caret delay); returns nothing. */
  startTracking() {
    tracking = { moves: [], arrivals: [] }
  },
  /** Stops recording: `moves` as [position, ms], `arrivals` as [name, position, ms]. */
  stopTracking() {
    const recorded = tracking ?? { moves: [], arrivals: [] }
    tracking = null
    return recorded
  },
  /** False while the room is beyond the mesh limit (presence through the server). */
  isMeshing() {
    return provider.presence.peerToPeer?.isMeshing ?? false
  },
  /** Whether signalling carries this page's presence (false beyond the limit in 'auto'). */
  carriesPresence() {
    return provider.presence.peerToPeer?.carriesPresence ?? false
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
