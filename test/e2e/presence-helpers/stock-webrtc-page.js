/* global window, location, URLSearchParams */
// An unmodified y-webrtc WebrtcProvider pointed at Tandem's /signal (the DESIGN.md contract), set up
// the awareness-only way docs/protocol.md recommends: an empty Y.Doc carrying the clientID.
import { WebrtcProvider } from 'y-webrtc'
import { Awareness } from 'y-protocols/awareness'
import * as Y from 'yjs'

const params = new URLSearchParams(location.search)
const doc = new Y.Doc()
const awareness = new Awareness(doc)
awareness.setLocalStateField('user', { name: params.get('name') ?? 'anonymous' })
const provider = new WebrtcProvider(params.get('doc') ?? 'stock', doc, {
  signaling: [`${params.get('server')?.replace(/^http/, 'ws')}/signal`],
  awareness,
  // One page per browser context already; BroadcastChannel would hide WebRTC between same-profile tabs.
  filterBcConns: false,
})

window.stock = {
  names() {
    return [...awareness.getStates()]
      .filter(([id]) => id !== awareness.clientID)
      .map(([, state]) => state.user?.name)
      .filter(Boolean)
      .sort()
  },
  connectedPeers() {
    return [...(provider.room?.webrtcConns.values() ?? [])].filter((conn) => conn.connected).length
  },
}
