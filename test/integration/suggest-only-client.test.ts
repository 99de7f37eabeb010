import { prosemirrorJSONToYXmlFragment, yXmlFragmentToProseMirrorRootNode } from '@tiptap/y-tiptap'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import * as Y from 'yjs'
import type { SyncStatus } from '../../client/provider/sync-status.js'
import { mintToken } from '../../server/auth/tokens.js'
import { DOCUMENT_FIELD, documentSchema } from '../../server/content/schema.js'
import { startServer, type RunningServer } from '../helpers/test-server.js'
import { waitFor } from '../helpers/wait-for.js'

/**
 * After the server refuses a comment link's change, Tandem's provider cannot take it back out of
 * its Y.Doc: it stops, drops its local copy and says to reload. A view link's refusals (a plugin's
 * automatic fix-up, never the user's) change nothing, as before.
 */

// The provider's transports use the global WebSocket, as in a browser.
;(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket

const SECRET = 'suggest-only-client-secret-long-enough'
const DOC = 'reviewed'

interface Provider {
  doc: Y.Doc
  getStatus(): SyncStatus
  destroy(): void
}
// Imported by path at run time: the test tsconfig has no DOM types, and the provider's module needs them.
const PROVIDER_MODULE = '../../client/provider/tandem-provider.js'
let TandemProvider: new (options: Record<string, unknown>) => Provider

/** Makes the provider's document what `edit` makes of its ProseMirror form, as its editor would. */
function editAsEditor(doc: Y.Doc, edit: (json: { type: string; content: unknown[] }) => void): void {
  const fragment = doc.getXmlFragment(DOCUMENT_FIELD)
  const json = yXmlFragmentToProseMirrorRootNode(fragment, documentSchema).toJSON() as {
    type: string
    content: unknown[]
  }
  edit(json)
  prosemirrorJSONToYXmlFragment(documentSchema, json, fragment)
}

describe('the provider after a refused change', () => {
  let running: RunningServer
  const providers: Provider[] = []
  const storedText = async () => {
    const doc = new Y.Doc()
    for (const entry of (await running.server.store.load(DOC as never)).entries) Y.applyUpdate(doc, entry.update)
    return yXmlFragmentToProseMirrorRootNode(doc.getXmlFragment(DOCUMENT_FIELD), documentSchema).textContent
  }
  const open = async (role: 'comment' | 'view', transport: string) => {
    const provider = new TandemProvider({
      docId: DOC,
      serverUrl: running.httpUrl,
      token: await mintToken({ secret: SECRET, doc: DOC, role, name: 'Alice', userId: 'alice' }),
      transport,
      presence: 'off',
      offline: false,
      crossTab: false,
    })
    providers.push(provider)
    await waitFor(() => provider.getStatus().state === 'saved', { description: 'first sync' })
    return provider
  }

  const openEditor = async () => {
    const provider = new TandemProvider({
      docId: DOC,
      serverUrl: running.httpUrl,
      token: await mintToken({ secret: SECRET, doc: DOC, role: 'edit' }),
      presence: 'off',
      offline: false,
      crossTab: false,
    })
    providers.push(provider)
    await waitFor(() => provider.getStatus().state === 'saved', { description: 'editor synced' })
    return provider
  }

  beforeAll(async () => {
    ;({ TandemProvider } = (await import(PROVIDER_MODULE)) as { TandemProvider: typeof TandemProvider })
    running = await startServer({ authSecret: SECRET })
    const created = await fetch(`${running.httpUrl}/api/docs`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await mintToken({ secret: SECRET, doc: DOC, role: 'edit' })}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ id: DOC, markdown: 'original text' }),
    })
    expect(created.status).toBe(201)
  })
  afterAll(async () => {
    for (const provider of providers) provider.destroy()
    await running.close()
  })

  it.each(['websocket', 'long-poll'])(
    'over %s: a comment link’s suggestion is saved; its plain edit ends the session with words that say to reload',
    async (transport) => {
      const provider = await open('comment', transport)
      const before = await storedText()
      editAsEditor(provider.doc, (json) => {
        const paragraph = json.content[0] as { content: { type: string; text: string; marks?: unknown[] }[] }
        paragraph.content.unshift({
          type: 'text',
          text: `${transport} `,
          marks: [
            { type: 'insertion', attrs: { id: `alice:${transport}`, author: 'alice', authorName: 'Alice', at: 1 } },
          ],
        })
      })
      await waitFor(async () => (await storedText()) === `${transport} ${before}`, { description: 'suggestion stored' })
      await waitFor(() => provider.getStatus().state === 'saved', { description: 'saved' })

      editAsEditor(provider.doc, (json) =>
        json.content.push({ type: 'paragraph', content: [{ type: 'text', text: 'edit' }] }),
      )
      const status = await waitFor(() => (provider.getStatus().state === 'error' ? provider.getStatus() : null))
      expect(status.error).toMatchObject({
        errorCode: 'read-only',
        reason: 'read-only: this link can comment but not edit; changes are not saved',
      })
      expect(status.error?.message).toMatch(/^Your last change was not saved: .* Reload the page/)
      expect(status.unsyncedChanges).toBe(0)
      expect(await storedText()).toBe(`${transport} ${before}`)
    },
  )

  it('a view link’s refused change leaves the session as it was', async () => {
    const viewer = await open('view', 'websocket')
    editAsEditor(viewer.doc, (json) => json.content.push({ type: 'paragraph' }))
    // The refusal reached the viewer once a change the server sent after it has.
    const editor = await openEditor()
    editAsEditor(editor.doc, (json) =>
      json.content.push({ type: 'paragraph', content: [{ type: 'text', text: 'later' }] }),
    )
    await waitFor(() => viewer.doc.getXmlFragment(DOCUMENT_FIELD).toString().includes('later'), {
      description: 'the editor’s change reached the viewer',
    })
    expect(viewer.getStatus().error).toBeNull()
    expect(viewer.getStatus().state).not.toBe('error')
  })
})
