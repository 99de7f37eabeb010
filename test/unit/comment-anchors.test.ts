// @vitest-environment happy-dom
import { Editor } from '@tiptap/core'
import Collaboration from '@tiptap/extension-collaboration'
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { anchorForRange, placeOf, quoteForRange } from '../../client/comments/anchors.js'
import { DOCUMENT_FIELD, documentExtensions } from '../../client/editor/extensions.js'
import type { ThreadAnchor } from '../../shared/comments.js'

/**
 * Anchors on a real Tiptap editor bound to a Y.Doc (the Collaboration extension, as in the app):
 * they follow their text through local and remote edits, and a range whose text is gone reads as deleted.
 */

const editors: Editor[] = []

/** happy-dom's document (this file's environment); the test project is typed without the DOM library. */
const page = globalThis as unknown as { document: { createElement(tag: string): never } }

function editorOn(doc: Y.Doc): Editor {
  const editor = new Editor({
    element: page.document.createElement('div'),
    extensions: [...documentExtensions(), Collaboration.configure({ document: doc, field: DOCUMENT_FIELD })],
  })
  editors.push(editor)
  return editor
}

/** ProseMirror range of the first occurrence of `text` (within one text node). */
function rangeOf(editor: Editor, text: string): { from: number; to: number } {
  let found: { from: number; to: number } | null = null
  editor.state.doc.descendants((node, pos) => {
    if (found || !node.isText) return !found
    const index = node.text?.indexOf(text) ?? -1
    if (index >= 0) found = { from: pos + index, to: pos + index + text.length }
    return false
  })
  if (!found) throw new Error(`"${text}" is not in the document: ${editor.state.doc.textContent}`)
  return found
}

/** The text an anchor covers now, or its place's kind when it covers none. */
function textAt(editor: Editor, anchor: ThreadAnchor | null): string {
  const place = placeOf(editor.state, anchor)
  return place.kind === 'range' ? editor.state.doc.textBetween(place.from, place.to, '\n') : `<${place.kind}>`
}

function anchorOn(editor: Editor, text: string): ThreadAnchor {
  const { from, to } = rangeOf(editor, text)
  return anchorForRange(editor.state, from, to)
}

/** Two Y.Docs that exchange every update, as two browsers through the server do, until cut. */
function linkedDocs() {
  const a = new Y.Doc()
  const b = new Y.Doc()
  let isLinked = true
  const held: { to: Y.Doc; update: Uint8Array }[] = []
  const relay = (to: Y.Doc) => (update: Uint8Array, origin: unknown) => {
    if (origin === 'relay') return
    if (isLinked) Y.applyUpdate(to, update, 'relay')
    else held.push({ to, update })
  }
  a.on('update', relay(b))
  b.on('update', relay(a))
  return {
    a,
    b,
    cut: () => (isLinked = false),
    heal: () => {
      isLinked = true
      for (const { to, update } of held.splice(0)) Y.applyUpdate(to, update, 'relay')
    },
  }
}

afterEach(() => {
  for (const editor of editors.splice(0)) editor.destroy()
})

describe('comment anchors (Yjs relative positions through the editor binding)', () => {
  it('round-trips a range and keeps the quote', () => {
    const editor = editorOn(new Y.Doc())
    editor.commands.setContent('<p>The answer is 42 today.</p>')
    const { from, to } = rangeOf(editor, 'answer is 42')
    const anchor = anchorForRange(editor.state, from, to)
    expect(placeOf(editor.state, anchor)).toEqual({ kind: 'range', from, to })
    expect(quoteForRange(editor.state, from, to)).toBe('answer is 42')
  })

  it('moves with text inserted before it, and keeps text typed at either edge outside', () => {
    const editor = editorOn(new Y.Doc())
    editor.commands.setContent('<p>The answer is 42 today.</p>')
    const anchor = anchorOn(editor, 'answer')
    editor.commands.insertContentAt(1, 'Indeed, ')
    expect(textAt(editor, anchor)).toBe('answer')
    const { from, to } = rangeOf(editor, 'answer')
    editor.commands.insertContentAt(to, 'X')
    editor.commands.insertContentAt(from, 'Y')
    expect(textAt(editor, anchor)).toBe('answer')
    expect(editor.state.doc.textContent).toBe('Indeed, The YanswerX is 42 today.')
  })

  it('works at the very first character of the document', () => {
    const editor = editorOn(new Y.Doc())
    editor.commands.setContent('<p>Hello world</p>')
    const anchor = anchorOn(editor, 'Hello')
    expect(textAt(editor, anchor)).toBe('Hello')
    editor.commands.insertContentAt({ from: 6, to: 12 }, ' there, everyone')
    expect(textAt(editor, anchor)).toBe('Hello')
  })

  it('shrinks with a partial deletion and reads as deleted when all of its text is gone', () => {
    const editor = editorOn(new Y.Doc())
    editor.commands.setContent('<p>Keep this sentence here.</p>')
    const anchor = anchorOn(editor, 'this sentence')
    editor.commands.deleteRange(rangeOf(editor, 'this '))
    expect(textAt(editor, anchor)).toBe('sentence')
    editor.commands.deleteRange(rangeOf(editor, 'sentence'))
    expect(placeOf(editor.state, anchor)).toEqual({ kind: 'deleted' })
    expect(editor.state.doc.textContent).toBe('Keep  here.')
  })

  it('reads as deleted when its whole paragraph is deleted, and keeps what survives of a range over blocks', () => {
    const editor = editorOn(new Y.Doc())
    editor.commands.setContent('<p>First block.</p><p>Second block.</p><p>Third block.</p>')
    const whole = anchorOn(editor, 'Second block.')
    const across = anchorForRange(editor.state, rangeOf(editor, 'block.').from, rangeOf(editor, 'Third').to)
    expect(textAt(editor, across)).toBe('block.\nSecond block.\nThird')
    const second = rangeOf(editor, 'Second block.')
    editor.commands.deleteRange({ from: second.from - 1, to: second.to + 1 }) // the paragraph itself
    expect(editor.state.doc.textContent).toBe('First block.Third block.')
    expect(placeOf(editor.state, whole)).toEqual({ kind: 'deleted' })
    expect(textAt(editor, across)).toBe('block.\nThird')
  })

  it('follows concurrent edits from a second Y.Doc, and resolves the same on both sides', () => {
    const { a, b, cut, heal } = linkedDocs()
    const alice = editorOn(a)
    const bob = editorOn(b)
    alice.commands.setContent('<p>Meet at noon on Friday.</p>')
    expect(bob.state.doc.textContent).toBe('Meet at noon on Friday.')
    const anchor = anchorOn(alice, 'noon')
    expect(textAt(bob, anchor)).toBe('noon')

    cut()
    bob.commands.insertContentAt(1, 'Please: ') // before the anchor, on the other side
    alice.commands.insertContentAt(rangeOf(alice, 'Friday').from, 'next ') // after it, here
    heal()

    expect(alice.state.doc.textContent).toBe('Please: Meet at noon on next Friday.')
    expect(bob.state.doc.textContent).toBe(alice.state.doc.textContent)
    expect(textAt(alice, anchor)).toBe('noon')
    expect(textAt(bob, anchor)).toBe('noon')

    bob.commands.deleteRange(rangeOf(bob, 'noon'))
    expect(placeOf(alice.state, anchor)).toEqual({ kind: 'deleted' })
  })

  it('places a thread without anchor on the whole document, and an unreadable anchor as deleted', () => {
    const editor = editorOn(new Y.Doc())
    editor.commands.setContent('<p>Text</p>')
    expect(placeOf(editor.state, null)).toEqual({ kind: 'document' })
    expect(placeOf(editor.state, { start: '!!not base64', end: 'AAAA' })).toEqual({ kind: 'deleted' })
    // An anchor from another document names items this one does not have.
    const other = editorOn(new Y.Doc())
    other.commands.setContent('<p>Elsewhere entirely</p>')
    expect(placeOf(editor.state, anchorOn(other, 'entirely'))).toEqual({ kind: 'deleted' })
  })
})
