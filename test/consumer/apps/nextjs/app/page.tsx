import { NotesEditor } from './notes-editor'

// The consumer test opens /?server=<Tandem server URL>&doc=<docId>[&token=…][&name=…].
export default async function Page({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  const { server, doc, token, name } = await searchParams
  return (
    <main>
      <h1>Notes</h1>
      <NotesEditor
        serverUrl={server ?? 'http://127.0.0.1:1234'}
        docId={doc ?? 'notes'}
        token={token}
        userName={name ?? 'Ada'}
      />
    </main>
  )
}
