// @vitest-environment happy-dom
import { Editor } from '@tiptap/core'
import { afterEach, describe, expect, it } from 'vitest'
import {
  ACTIVE_HIGHLIGHT_CLASS,
  commentHighlightsKey,
  commentHighlightsPlugin,
  setCommentHighlights,
} from '../../client/editor/comments/comment-highlights.js'
import { documentExtensions } from '../../client/editor/extensions.js'

/** The highlight plugin on a real Tiptap editor (happy-dom), without Yjs: decorations only. */

interface Element {
  textContent: string | null
  className: string
  getAttribute(name: string): string | null
  dispatchEvent(event: unknown): boolean
}
const page = globalThis as unknown as {
  document: { createElement(tag: string): never }
  MouseEvent: new (type: string, init: { bubbles: boolean }) => unknown
}

let editor: Editor | undefined
afterEach(() => editor?.destroy())

function makeEditor(text: string, onActivate: (threadId: string) => void = () => undefined): Editor {
  editor = new Editor({
    element: page.document.createElement('div'),
    extensions: documentExtensions(),
    content: `<p>${text}</p>`,
  })
  editor.registerPlugin(commentHighlightsPlugin(onActivate))
  return editor
}

function highlights(current: Editor): Element[] {
  return [
    ...(current.view.dom as unknown as { querySelectorAll(s: string): Iterable<Element> }).querySelectorAll(
      '.tandem-comment-highlight',
    ),
  ]
}

/** ProseMirror position of `needle` in a one-paragraph document. */
function at(current: Editor, needle: string): { from: number; to: number } {
  const from = current.state.doc.textContent.indexOf(needle) + 1
  return { from, to: from + needle.length }
}

describe('comment highlights', () => {
  it('draws each range as a decoration, the active one with its own class, and leaves the document alone', () => {
    const current = makeEditor('Alpha beta gamma')
    const before = current.getJSON()
    setCommentHighlights(current, {
      ranges: [
        { threadId: 't1', ...at(current, 'beta') },
        { threadId: 't2', ...at(current, 'gamma') },
      ],
      activeId: 't2',
    })
    const drawn = highlights(current)
    expect(drawn.map((element) => element.textContent)).toEqual(['beta', 'gamma'])
    expect(drawn.map((element) => element.getAttribute('data-thread-id'))).toEqual(['t1', 't2'])
    expect(drawn[1]?.className).toContain(ACTIVE_HIGHLIGHT_CLASS)
    expect(drawn[0]?.className).not.toContain(ACTIVE_HIGHLIGHT_CLASS)
    expect(current.getJSON()).toEqual(before)
  })

  it('follows its text through an edit before it, until new places arrive', () => {
    const current = makeEditor('Alpha beta gamma')
    setCommentHighlights(current, { ranges: [{ threadId: 't1', ...at(current, 'beta') }], activeId: null })
    current.commands.insertContentAt(1, 'Well: ')
    expect(highlights(current).map((element) => element.textContent)).toEqual(['beta'])
    // A change of the active thread alone redraws the mapped ranges, not the stale ones.
    setCommentHighlights(current, { activeId: 't1' })
    expect(highlights(current).map((element) => element.textContent)).toEqual(['beta'])
    expect(commentHighlightsKey.getState(current.state)?.ranges).toEqual([{ threadId: 't1', ...at(current, 'beta') }])
  })

  it('a click on a highlight activates its thread', () => {
    const activated: string[] = []
    const current = makeEditor('Alpha beta gamma', (threadId) => activated.push(threadId))
    setCommentHighlights(current, { ranges: [{ threadId: 't1', ...at(current, 'beta') }], activeId: null })
    highlights(current)[0]?.dispatchEvent(new page.MouseEvent('click', { bubbles: true }))
    expect(activated).toEqual(['t1'])
  })
})
