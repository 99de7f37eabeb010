'use client'
// A client component: the editor and its connection live in the browser. The server renders an
// empty shell (docs/embedding.md, "Next.js App Router").
import { useState } from 'react'
import { CollaborativeEditor, type SyncStatus } from 'tandem'

export interface NotesEditorProps {
  serverUrl: string
  docId: string
  token?: string
  userName: string
}

export function NotesEditor({ serverUrl, docId, token, userName }: NotesEditorProps) {
  const [status, setStatus] = useState<SyncStatus | null>(null)
  return (
    <>
      <p role="status" data-state={status?.state ?? ''} data-transport={status?.transport ?? ''}>
        {status?.state === 'error' ? status.error?.message : status?.state}
      </p>
      <CollaborativeEditor
        docId={docId}
        serverUrl={serverUrl}
        token={token}
        user={{ name: userName, color: '#3e63dd' }}
        onStatusChange={setStatus}
      />
    </>
  )
}
