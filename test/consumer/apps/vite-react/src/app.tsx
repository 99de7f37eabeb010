import { lazy, Suspense, useState } from 'react'
import type { SyncStatus } from 'tandem'

// The editor (Tiptap, Yjs) loads in its own chunk, after the page: docs/embedding.md, "Bundle cost".
const NotesEditor = lazy(() => import('./notes-editor'))

// The consumer test opens /?server=<Tandem server URL>&doc=<docId>[&token=…][&name=…].
const params = new URLSearchParams(window.location.search)

export function App() {
  const [status, setStatus] = useState<SyncStatus | null>(null)
  return (
    <main>
      <p role="status" data-state={status?.state ?? ''} data-transport={status?.transport ?? ''}>
        {status?.state === 'error' ? status.error?.message : status?.state}
      </p>
      <Suspense fallback={<p>Loading the editor…</p>}>
        <NotesEditor
          docId={params.get('doc') ?? 'notes'}
          serverUrl={params.get('server') ?? 'http://127.0.0.1:1234'}
          token={params.get('token') ?? undefined}
          userName={params.get('name') ?? 'Ada'}
          onStatusChange={setStatus}
        />
      </Suspense>
    </main>
  )
}
