import { EditorState, NodeSelection, TextSelection } from '@tiptap/pm/state'
import { describe, expect, it } from 'vitest'
import { placeCursorAfterImage } from '../../client/editor/images/cursor-after-image.js'
import { documentSchema } from '../../server/content/schema.js'

const image = { type: 'image', attrs: { src: '/api/docs/d/files/' + 'a'.repeat(64) } }

function stateWith(content: object[]): EditorState {
  return EditorState.create({ doc: documentSchema.nodeFromJSON({ type: 'doc', content }) })
}

describe('placeCursorAfterImage', () => {
  it('moves writing below an image that ends the document, into a new paragraph', () => {
    const state = stateWith([{ type: 'paragraph', content: [{ type: 'text', text: 'Hi' }] }, image])
    const tr = state.tr.setSelection(NodeSelection.create(state.doc, 4))
    placeCursorAfterImage(tr)
    expect(tr.selection).toBeInstanceOf(TextSelection)
    expect(tr.doc.lastChild?.type.name).toBe('paragraph')
    expect(tr.selection.$from.parent).toBe(tr.doc.lastChild)
  })

  it('does the same at the end of a table cell', () => {
    const cell = { type: 'tableCell', content: [image] }
    const state = stateWith([{ type: 'table', content: [{ type: 'tableRow', content: [cell] }] }])
    const imagePos = 3 // table > row > cell > image
    const tr = state.tr.setSelection(NodeSelection.create(state.doc, imagePos))
    placeCursorAfterImage(tr)
    expect(tr.selection.$from.parent.type.name).toBe('paragraph')
    expect(tr.selection.$from.node(-1).type.name).toBe('tableCell')
  })

  it('leaves a text selection alone', () => {
    const state = stateWith([image, { type: 'paragraph' }])
    const tr = state.tr.setSelection(TextSelection.create(state.doc, 2))
    placeCursorAfterImage(tr)
    expect(tr.docChanged).toBe(false)
  })
})
