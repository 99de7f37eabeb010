// @vitest-environment happy-dom
import { Editor } from '@tiptap/core'
import Collaboration from '@tiptap/extension-collaboration'
import { act, createElement } from 'react'
import { createRoot, type Root } from 'react-dom/client'
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { anchorForRange } from '../../client/comments/anchors.js'
import type { ThreadsState } from '../../client/comments/threads-api.js'
import { DOCUMENT_FIELD, documentExtensions } from '../../client/editor/extensions.js'
import type { ThreadStore } from '../../client/comments/thread-store.js'
import type { Doc } from 'yjs'
import type { Thread, ThreadAnchor } from '../../shared/comments.js'
import { startFakeThreadApi, type FakeThreadApi } from '../helpers/fake-thread-api.js'
import { waitFor } from '../helpers/wait-for.js'

/**
 * useThreads on a provider with `threads: true` (not connected: threads are fed to its store as the
 * push would) and a real editor on the provider's Y.Doc; writes go to a small real REST server.
 */

;(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true
const page = globalThis as unknown as { document: { createElement(tag: string): never } }

/** The part of TandemProvider these tests use. */
interface ThreadsProvider {
  readonly threads: ThreadStore | null
  readonly doc: Doc
  destroy(): void
}
interface ThreadsProviderOptions {
  docId: string
  serverUrl: string
  connect: false
  offline: false
  crossTab: false
  presence: 'off'
  threads?: boolean
}
// Imported by path at run time: the test tsconfig has no DOM types, and these modules need them.
const PROVIDER_MODULE = '../../client/provider/tandem-provider.js'
const USE_THREADS_MODULE = '../../client/comments/use-threads.js'
let TandemProvider: new (options: ThreadsProviderOptions) => ThreadsProvider
let useThreads: (provider: ThreadsProvider | null, editor?: Editor | null) => ThreadsState
beforeAll(async () => {
  ;({ TandemProvider } = (await import(PROVIDER_MODULE)) as { TandemProvider: typeof TandemProvider })
  ;({ useThreads } = (await import(USE_THREADS_MODULE)) as { useThreads: typeof useThreads })
})

function thread(id: string, createdAt: string, anchor: ThreadAnchor | null, status: Thread['status'] = 'open'): Thread {
  return { id, status, quote: id, anchor, comments: [], createdAt, updatedAt: createdAt }
}

function rangeOf(editor: Editor, text: string): { from: number; to: number } {
  const index = editor.state.doc.textContent.indexOf(text)
  if (index < 0) throw new Error(`"${text}" not found`)
  return { from: index + 1, to: index + 1 + text.length } // one paragraph: its text starts at 1
}

describe('useThreads', () => {
  let api: FakeThreadApi
  let provider: ThreadsProvider
  let editor: Editor
  let root: Root
  let latest: ThreadsState | null = null

  function Probe(props: { withEditor: boolean }) {
    latest = useThreads(provider, props.withEditor ? editor : null)
    return null
  }

  async function render(withEditor = true) {
    await act(async () => root.render(createElement(Probe, { withEditor })))
  }

  beforeEach(async () => {
    api = await startFakeThreadApi()
    provider = new TandemProvider({
      docId: 'use-threads',
      serverUrl: api.url,
      connect: false,
      offline: false,
      crossTab: false,
      presence: 'off',
      threads: true,
    })
    editor = new Editor({
      element: page.document.createElement('div'),
      extensions: [...documentExtensions(), Collaboration.configure({ document: provider.doc, field: DOCUMENT_FIELD })],
    })
    editor.commands.setContent('<p>Alpha beta gamma delta.</p>')
    root = createRoot(page.document.createElement('div'))
  })

  afterEach(async () => {
    await act(async () => root.unmount())
    editor.destroy()
    provider.destroy()
    await api.close()
  })

  it('orders anchored threads by document position, then deleted text, then whole-document, oldest first', async () => {
    const store = provider.threads!
    const at = (text: string) => {
      const { from, to } = rangeOf(editor, text)
      return anchorForRange(editor.state, from, to)
    }
    const gone = at('delta')
    store.apply({
      kind: 'snapshot',
      threads: [
        thread('doc-late', '2026-01-01T00:00:09.000Z', null),
        thread('gamma', '2026-01-01T00:00:01.000Z', at('gamma')),
        thread('deleted', '2026-01-01T00:00:02.000Z', gone),
        thread('alpha', '2026-01-01T00:00:08.000Z', at('Alpha'), 'resolved'),
        thread('doc-early', '2026-01-01T00:00:03.000Z', null),
      ],
    })
    editor.commands.deleteRange(rangeOf(editor, 'delta'))
    await render()
    expect(latest?.threads.map((t) => t.thread.id)).toEqual(['alpha', 'gamma', 'deleted', 'doc-early', 'doc-late'])
    expect(latest?.threads[2]?.place).toEqual({ kind: 'deleted' })
    expect(latest?.openCount).toBe(4)
    expect(latest?.isLoaded).toBe(true)
    expect(latest?.loadError).toBeNull()
  })

  it('recomputes places when the document changes, and without an editor places every thread on the document', async () => {
    const { from, to } = rangeOf(editor, 'beta')
    provider.threads!.apply({
      kind: 'snapshot',
      threads: [thread('beta', '2026-01-01T00:00:01.000Z', anchorForRange(editor.state, from, to))],
    })
    await render()
    expect(latest?.threads[0]?.place).toEqual({ kind: 'range', from, to })
    await act(async () => {
      editor.commands.insertContentAt(1, 'Well, ')
    })
    expect(latest?.threads[0]?.place).toEqual({ kind: 'range', from: from + 6, to: to + 6 })
    await render(false)
    expect(latest?.threads[0]?.place).toEqual({ kind: 'document' })
  })

  it('is not loaded before the first snapshot', async () => {
    await render()
    expect(latest?.isLoaded).toBe(false)
    expect(latest?.threads).toEqual([])
  })

  it('writes through its client, shows the answer at once, and lists a comment the server cannot take as pending', async () => {
    await render()
    const created = await act(() => latest!.client.startThread({ body: 'First!', quote: 'Alpha' }))
    expect(latest?.threads.map((t) => t.thread.id)).toEqual([created.id])

    api.mode = 'unavailable'
    let isSettled = false
    await act(async () => {
      void latest!.client.reply(created.id, 'kept for later').then(() => (isSettled = true))
    })
    await waitFor(() => latest?.pending.length === 1)
    await waitFor(() => api.requests.length === 2, { description: 'the server refusing the reply with 503' })
    expect(latest?.pending[0]).toMatchObject({ kind: 'reply', threadId: created.id, body: 'kept for later' })
    expect(isSettled).toBe(false)
  })

  it('says why when the provider was created without threads', async () => {
    provider.destroy()
    provider = new TandemProvider({
      docId: 'no-threads',
      serverUrl: api.url,
      connect: false,
      offline: false,
      crossTab: false,
      presence: 'off',
    })
    await render(false)
    expect(latest?.loadError).toMatch(/threads: true/)
    await expect(latest!.client.startThread({ body: 'x' })).rejects.toMatchObject({ name: 'ThreadRequestError' })
  })
})
