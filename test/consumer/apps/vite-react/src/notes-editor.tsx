import { CollaborativeEditor, type SyncStatus } from 'tandem'
import 'tandem/style.css'

export interface NotesEditorProps {
  docId: string
  serverUrl: string
  token?: string
  userName: string
  onStatusChange: (status: SyncStatus) => void
}

export default function NotesEditor({ docId, serverUrl, token, userName, onStatusChange }: NotesEditorProps) {
  return (
    <CollaborativeEditor
      docId={docId}
      serverUrl={serverUrl}
      token={token}
      user={{ name: userName, color: '#3e63dd' }}
      placeholder="Meeting notes…"
      onStatusChange={onStatusChange}
    />
  )
}
