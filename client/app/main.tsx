import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import '../editor/tandem-editor.css'
import '../editor/comments/tandem-comments.css'
import './app.css'
import { adoptTokenFromUrl } from './access-token.js'
import { App } from './app.js'
import { parseRoute } from './router.js'

// A share link's token arrives once, with the page load; keep it before anything asks the server.
const route = parseRoute(location.pathname)
adoptTokenFromUrl(route.page === 'editor' ? route.docId : undefined)

const root = document.getElementById('root')
if (!root) throw new Error('index.html lacks #root')
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
)
