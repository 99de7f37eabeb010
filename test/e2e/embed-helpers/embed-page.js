/* global window, document, location, URLSearchParams */
import { createElement } from 'react'
import { createRoot } from 'react-dom/client'
import { CollaborativeEditor } from '../../../client/index.js'
import '../../../client/editor/tandem-editor.css'
import '../../../client/editor/comments/tandem-comments.css'

// Plain JavaScript on purpose: the test project's tsconfig has no DOM types; Vite compiles the
// TypeScript it imports.

/**
 * An app embedding the editor as docs/embedding.md shows, on whatever origin it is served from,
 * against the server named by `?server=`. Every status `onStatusChange` reports is kept for the
 * test, and the provider is reachable for reading the live status.
 */
const params = new URLSearchParams(location.search)
const statuses = []
const modes = []

window.tandem = {
  /** Every status onStatusChange was called with, in order (plain data). */
  statuses: () => statuses,
  /** The provider's current status, new unsynced counts included. */
  liveStatus: () => window.tandemProvider?.getStatus() ?? null,
  /** Every mode onModeChange was called with, in order. */
  modes: () => modes,
}

createRoot(document.getElementById('root')).render(
  createElement(CollaborativeEditor, {
    docId: params.get('doc') ?? 'embedded',
    serverUrl: params.get('server') ?? location.origin,
    token: params.get('token') ?? undefined,
    transport: params.get('transport') ?? 'auto',
    presence: 'off',
    offline: false,
    warnOnUnsavedClose: false,
    // `?comments=0` embeds the editor without comments.
    comments: params.get('comments') !== '0',
    // `?mode=` and `?role=` pass the props of the same names (Suggesting, issue 17).
    mode: params.get('mode') ?? undefined,
    role: params.get('role') ?? undefined,
    onModeChange: (mode) => modes.push(mode),
    onStatusChange: (status) => statuses.push(JSON.parse(JSON.stringify(status))),
    onReady: (_editor, provider) => {
      window.tandemProvider = provider
    },
  }),
)
