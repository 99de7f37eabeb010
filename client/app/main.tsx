import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import '../editor/tandem-editor.css'
import './app.css'
import { App } from './app.js'

const root = document.getElementById('root')
if (!root) throw new Error('index.html lacks #root')
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
)
