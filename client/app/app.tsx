import { DocumentListPage } from './document-list-page.js'
import { EditorPage } from './editor-page.js'
import { useRoute } from './router.js'
import { useTheme } from './theme.js'
import { AppHeader, Brand } from './app-header.js'
import { isValidDocId } from '../../shared/ids.js'

/** The web app served at `/`: the document list and the editor page. */
export function App() {
  const route = useRoute()
  const { theme, toggle } = useTheme()
  if (route.page === 'list') return <DocumentListPage theme={theme} onToggleTheme={toggle} />
  if (route.page === 'editor' && isValidDocId(route.docId)) {
    // Keyed by document: a new document gets a fresh session and editor (tiptap#5761).
    return <EditorPage key={route.docId} docId={route.docId} theme={theme} onToggleTheme={toggle} />
  }
  return (
    <div className="page">
      <AppHeader theme={theme} onToggleTheme={toggle}>
        <Brand />
        <div className="app-header__spacer" />
      </AppHeader>
      <main className="list-page">
        <h1>Not found</h1>
        <p className="muted">
          {route.page === 'editor'
            ? 'Document ids may only contain letters, digits, “-” and “_” (up to 128).'
            : 'There is nothing at this address.'}{' '}
          <a href="/">See all documents</a>.
        </p>
      </main>
    </div>
  )
}
