import { createElement, type ComponentType } from 'react'
import { renderToString } from 'react-dom/server'
import { describe, expect, it } from 'vitest'

// Imported by path at run time: the test tsconfig has no DOM types, and the client's types need them.
const CLIENT_ENTRY = '../../client/index.js'

describe('server-side rendering', () => {
  it('renders the editor shell in Node without touching browser APIs', async () => {
    const { CollaborativeEditor } = (await import(CLIENT_ENTRY)) as {
      CollaborativeEditor: ComponentType<{ docId: string; serverUrl: string }>
    }
    const html = renderToString(
      createElement(CollaborativeEditor, { docId: 'ssr-doc', serverUrl: 'http://127.0.0.1:1' }),
    )
    expect(html).toContain('class="tandem-editor"')
    expect(html).toContain('data-sync-state="connecting"')
    expect(html).not.toContain('ProseMirror')
  })
})
