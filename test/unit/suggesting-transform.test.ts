// @vitest-environment happy-dom
import { getSchema, type Editor } from '@tiptap/core'
import type { Node as PMNode } from '@tiptap/pm/model'
import { Transform } from '@tiptap/pm/transform'
import { CellSelection, deleteCellSelection } from '@tiptap/pm/tables'
import { prosemirrorJSONToYDoc, yXmlFragmentToProseMirrorRootNode } from '@tiptap/y-tiptap'
import fc from 'fast-check'
import * as Y from 'yjs'
import { afterEach, describe, expect, it } from 'vitest'
import { DOCUMENT_FIELD, documentExtensions } from '../../client/editor/extensions.js'
import { suggestTransaction } from '../../client/editor/suggestions/suggest-transaction.js'
import {
  SuggestionsView,
  acceptSuggestions,
  changesOnlyOwnSuggestions,
  listSuggestions,
  resolveSuggestions,
} from '../../shared/suggestions/suggestions.js'
import {
  SuggestingEditors,
  backspace,
  forwardDelete,
  plain,
  posOf,
  remove,
  serverDocOf,
  suggestionRuns,
  type,
} from '../helpers/suggesting-editors.js'

const editors = new SuggestingEditors()
afterEach(() => {
  // Every suggesting edit of every test passes the server's suggest-only check.
  expect(editors.checks.filter((check) => !check.passed)).toEqual([])
  editors.destroy()
})

const accepted = (editor: Editor) => resolveSuggestions(editor.state.doc, SuggestionsView.Accept)
const rejected = (editor: Editor) => resolveSuggestions(editor.state.doc, SuggestionsView.Reject)

function yUndoManagerOf(editor: Editor): Y.UndoManager {
  for (const plugin of editor.state.plugins) {
    const state = plugin.getState(editor.state) as { undoManager?: Y.UndoManager } | undefined
    if (state?.undoManager instanceof Y.UndoManager) return state.undoManager
  }
  throw new Error('no Yjs undo manager')
}

describe('suggesting: text', () => {
  it('typing and deleting become an insertion and a deletion by the author; the peer sees both', () => {
    const { alice, bob, b } = editors.pair('<p>The quick brown fox.</p>')
    type(alice, posOf(alice, 'quick'), 'very ')
    remove(alice, posOf(alice, 'brown '), posOf(alice, 'brown ', 'end'))
    expect(suggestionRuns(bob.state.doc)).toEqual([
      { kind: 'insertion', author: 'alice', id: 'alice#1', text: 'very ' },
      { kind: 'deletion', author: 'alice', id: 'alice#2', text: 'brown ' },
    ])
    expect(plain(serverDocOf(bob, b))).toBe('The very quick brown fox.')
    const [insertion] = listSuggestions(bob.state.doc)
    expect(insertion).toMatchObject({ author: 'alice', authorName: 'ALICE', kind: 'add', inserted: 'very ' })
    expect(insertion?.id).toMatch(/^alice:[0-9a-f]{16}$/)
    expect(typeof insertion?.at).toBe('number')
  })

  it('accept all gives the edited text, reject all the original; both editors converge', () => {
    const { alice, bob } = editors.pair('<p>The quick brown fox.</p>')
    type(alice, posOf(alice, 'quick'), 'very ')
    remove(alice, posOf(alice, 'brown '), posOf(alice, 'brown ', 'end'))
    expect(bob.commands.acceptAllSuggestions()).toBe(true)
    expect(bob.getHTML()).toBe('<p>The very quick fox.</p>')
    expect(alice.getHTML()).toBe(bob.getHTML())
    expect(bob.commands.acceptAllSuggestions()).toBe(false) // nothing left

    const second = editors.pair('<p>The quick brown fox.</p>')
    type(second.alice, posOf(second.alice, 'quick'), 'very ')
    remove(second.alice, posOf(second.alice, 'brown '), posOf(second.alice, 'brown ', 'end'))
    second.bob.commands.rejectAllSuggestions()
    expect(second.bob.getHTML()).toBe('<p>The quick brown fox.</p>')
    expect(second.alice.getHTML()).toBe(second.bob.getHTML())
  })

  it('accepting a deletion between two spaces keeps both spaces, as the plain deletion does', () => {
    const { alice, bob } = editors.pair('<p>The quick brown fox.</p>')
    remove(alice, posOf(alice, 'brown'), posOf(alice, 'brown', 'end'))
    bob.commands.acceptAllSuggestions()
    expect(bob.getHTML()).toBe('<p>The quick  fox.</p>')
  })

  it('accepts and rejects one suggestion by id', () => {
    const { alice, bob } = editors.pair('<p>The quick brown fox.</p>')
    type(alice, posOf(alice, 'quick'), 'very ')
    remove(alice, posOf(alice, 'brown '), posOf(alice, 'brown ', 'end'))
    const [insertion, deletion] = listSuggestions(bob.state.doc)
    expect(bob.commands.acceptSuggestion(insertion!.id)).toBe(true)
    expect(bob.commands.rejectSuggestion(deletion!.id)).toBe(true)
    expect(bob.getHTML()).toBe('<p>The very quick brown fox.</p>')
    expect(bob.commands.rejectSuggestion('nobody:0')).toBe(false)
  })

  it('typing inside or at the end of one’s own insertion extends it (one suggestion)', () => {
    const { alice, bob } = editors.pair('<p>The quick fox.</p>')
    type(alice, posOf(alice, 'quick'), 'very ')
    type(alice, posOf(alice, 'ery'), 'X')
    type(alice, posOf(alice, 'ery ', 'end'), 'Y')
    expect(suggestionRuns(bob.state.doc)).toEqual([
      { kind: 'insertion', author: 'alice', id: 'alice#1', text: 'vXery Y' },
    ])
  })

  it('consecutive Backspaces are one deletion; typing after them makes it a replacement', () => {
    const { alice, bob } = editors.pair('<p>The quick fox.</p>')
    alice.commands.setTextSelection(posOf(alice, 'quick', 'end'))
    for (let i = 0; i < 5; i++) backspace(alice)
    type(alice, alice.state.selection.from, 'slow')
    expect(suggestionRuns(bob.state.doc)).toEqual([
      { kind: 'deletion', author: 'alice', id: 'alice#1', text: 'quick' },
      { kind: 'insertion', author: 'alice', id: 'alice#1', text: 'slow' },
    ])
    expect(listSuggestions(bob.state.doc)).toMatchObject([{ kind: 'replace', deleted: 'quick', inserted: 'slow' }])
    expect(accepted(bob).textContent).toBe('The slow fox.')
  })

  it('forward Delete moves past the text it marks, so repeated Deletes go on', () => {
    const { alice } = editors.pair('<p>The quick fox.</p>')
    alice.commands.setTextSelection(posOf(alice, 'quick'))
    for (let i = 0; i < 6; i++) forwardDelete(alice)
    expect(suggestionRuns(alice.state.doc)).toMatchObject([{ kind: 'deletion', text: 'quick ' }])
  })

  it('deleting one’s own insertion removes it for real', () => {
    const { alice, bob } = editors.pair('<p>The fox.</p>')
    type(alice, posOf(alice, 'fox'), 'big ')
    remove(alice, posOf(alice, 'ig'), posOf(alice, 'ig', 'end'))
    expect(suggestionRuns(bob.state.doc)).toMatchObject([{ kind: 'insertion', text: 'b ' }])
  })

  it('deleting inside someone else’s insertion marks it deleted by you; their suggestion is untouched', () => {
    const { alice, bob } = editors.pair('<p>The quick fox.</p>')
    type(bob, posOf(bob, 'fox'), 'big ')
    remove(alice, posOf(alice, 'ig'), posOf(alice, 'ig', 'end'))
    expect(suggestionRuns(bob.state.doc)).toEqual([
      { kind: 'insertion', author: 'bob', id: 'bob#1', text: 'big ' },
      { kind: 'deletion', author: 'alice', id: 'alice#2', text: 'ig' },
    ])
    // Accepting Bob's insertion keeps Alice's deletion of part of it; accepting that removes it.
    const [bobs, alices] = listSuggestions(bob.state.doc)
    bob.commands.acceptSuggestion(bobs!.id)
    expect(suggestionRuns(bob.state.doc)).toMatchObject([{ kind: 'deletion', author: 'alice', text: 'ig' }])
    bob.commands.acceptSuggestion(alices!.id)
    expect(bob.getHTML()).toBe('<p>The quick b fox.</p>')
  })

  it('rejecting the insertion someone deleted part of removes it all; rejecting the deletion keeps it', () => {
    const { alice, bob } = editors.pair('<p>The quick fox.</p>')
    type(bob, posOf(bob, 'fox'), 'big ')
    remove(alice, posOf(alice, 'ig'), posOf(alice, 'ig', 'end'))
    const [bobs, alices] = listSuggestions(bob.state.doc)
    alice.commands.rejectSuggestion(alices!.id)
    expect(suggestionRuns(bob.state.doc)).toMatchObject([{ kind: 'insertion', author: 'bob', text: 'big ' }])
    alice.commands.rejectSuggestion(bobs!.id)
    expect(bob.getHTML()).toBe('<p>The quick fox.</p>')
  })

  it('typing next to someone else’s suggestion starts your own (never under their id)', () => {
    const { alice, bob } = editors.pair('<p>The quick fox.</p>')
    type(bob, posOf(bob, 'fox'), 'big ')
    type(alice, posOf(alice, 'big ', 'end'), 'red ')
    type(alice, posOf(alice, 'The', 'end'), '!')
    expect(suggestionRuns(alice.state.doc)).toEqual([
      { kind: 'insertion', author: 'alice', id: 'alice#1', text: '!' },
      { kind: 'insertion', author: 'bob', id: 'bob#2', text: 'big ' },
      { kind: 'insertion', author: 'alice', id: 'alice#3', text: 'red ' },
    ])
  })

  it('typing inside someone else’s insertion splits it around your own', () => {
    const { alice, bob } = editors.pair('<p>The fox.</p>')
    type(bob, posOf(bob, 'fox'), 'big ')
    type(alice, posOf(alice, 'ig '), 'X')
    expect(suggestionRuns(alice.state.doc).map((run) => [run.author, run.text])).toEqual([
      ['bob', 'b'],
      ['alice', 'X'],
      ['bob', 'ig '],
    ])
    expect(listSuggestions(alice.state.doc).map((s) => s.inserted)).toEqual(['big ', 'X'])
  })

  it('text typed where someone proposes a deletion goes after the deleted text', () => {
    const { alice, bob } = editors.pair('<p>The quick fox.</p>')
    remove(bob, posOf(bob, 'quick'), posOf(bob, 'quick', 'end'))
    type(alice, posOf(alice, 'quick'), 'slow')
    expect(plain(alice.state.doc)).toBe('The quickslow fox.')
    expect(suggestionRuns(alice.state.doc).map((run) => [run.kind, run.author, run.text])).toEqual([
      ['deletion', 'bob', 'quick'],
      ['insertion', 'alice', 'slow'],
    ])
  })

  it('selecting text and typing replaces it (one suggestion)', () => {
    const { alice, bob } = editors.pair('<p>The quick fox.</p>')
    alice.commands.setTextSelection({ from: posOf(alice, 'quick'), to: posOf(alice, 'quick', 'end') })
    alice.view.dispatch(alice.state.tr.insertText('slow'))
    expect(listSuggestions(bob.state.doc)).toMatchObject([{ kind: 'replace', deleted: 'quick', inserted: 'slow' }])
    expect(accepted(bob).textContent).toBe('The slow fox.')
    expect(rejected(bob).textContent).toBe('The quick fox.')
  })
})

describe('suggesting: formatting', () => {
  it('bold is a format suggestion, not delete + insert; reject takes it off, accept keeps it', () => {
    const { alice, bob } = editors.pair('<p>The quick fox.</p>')
    alice.commands.setTextSelection({ from: posOf(alice, 'quick'), to: posOf(alice, 'quick', 'end') })
    alice.commands.toggleBold()
    expect(plain(bob.state.doc)).toBe('The quick fox.')
    expect(listSuggestions(bob.state.doc)).toMatchObject([
      { kind: 'format', author: 'alice', added: [{ type: 'bold' }], removed: [] },
    ])
    expect(accepted(bob).toString()).toBe('doc(paragraph("The ", bold("quick"), " fox."))')
    expect(rejected(bob).toString()).toBe('doc(paragraph("The quick fox."))')
  })

  it('removing bold, then putting it back, leaves no suggestion', () => {
    const { alice, bob } = editors.pair('<p>The <strong>quick</strong> fox.</p>')
    alice.commands.setTextSelection({ from: posOf(alice, 'quick'), to: posOf(alice, 'quick', 'end') })
    alice.commands.toggleBold()
    expect(listSuggestions(bob.state.doc)).toMatchObject([{ kind: 'format', added: [], removed: [{ type: 'bold' }] }])
    expect(rejected(bob).toString()).toBe('doc(paragraph("The ", bold("quick"), " fox."))')
    alice.commands.toggleBold()
    expect(listSuggestions(bob.state.doc)).toEqual([])
  })

  it('italic on text with another author’s format suggestion is refused (the doc stays)', () => {
    const { alice, bob } = editors.pair('<p>The quick fox.</p>')
    bob.commands.setTextSelection({ from: posOf(bob, 'quick'), to: posOf(bob, 'quick', 'end') })
    bob.commands.toggleBold()
    const before = alice.state.doc
    alice.commands.setTextSelection({ from: posOf(alice, 'quick'), to: posOf(alice, 'quick', 'end') })
    alice.commands.toggleItalic()
    expect(alice.state.doc.eq(before)).toBe(true)
  })

  it('clear formatting over suggested text removes the formatting as a suggestion, not the suggestions', () => {
    const { alice, bob } = editors.pair('<p>The <strong>quick</strong> fox.</p>')
    type(bob, posOf(bob, 'fox'), 'big ')
    alice.commands.setTextSelection({ from: posOf(alice, 'quick'), to: posOf(alice, 'big ', 'end') })
    expect(alice.commands.unsetAllMarks()).toBe(true)
    expect(listSuggestions(alice.state.doc)).toMatchObject([
      { kind: 'format', author: 'alice', removed: [{ type: 'bold' }] },
      { kind: 'add', author: 'bob', inserted: 'big ' },
    ])
    expect(rejected(alice).toString()).toBe('doc(paragraph("The ", bold("quick"), " fox."))')
  })

  it('formatting one’s own insertion is plain formatting of it', () => {
    const { alice, bob } = editors.pair('<p>The fox.</p>')
    type(alice, posOf(alice, 'fox'), 'big ')
    alice.commands.setTextSelection({ from: posOf(alice, 'big'), to: posOf(alice, 'big', 'end') })
    alice.commands.toggleBold()
    expect(listSuggestions(bob.state.doc)).toMatchObject([{ kind: 'add', inserted: 'big ' }])
    expect(accepted(bob).toString()).toBe('doc(paragraph("The ", bold("big"), " fox."))')
  })
})

describe('suggesting: code', () => {
  it('typing in inline code or a code block is refused (code excludes every mark, code blocks allow none)', () => {
    const { alice } = editors.pair('<p>Run <code>make</code> now.</p><pre><code>block</code></pre>')
    const before = alice.state.doc
    type(alice, posOf(alice, 'make', 'end') - 1, 'X')
    type(alice, posOf(alice, 'block', 'end') - 1, 'Y')
    expect(alice.state.doc.eq(before)).toBe(true)
    expect(editors.checks).toEqual([])
  })
})

describe('suggesting: paragraphs', () => {
  it('Enter splits the paragraph with anchors; reject joins it again, accept keeps the split', () => {
    const { alice, bob } = editors.pair('<p>First second.</p>')
    alice.commands.setTextSelection(posOf(alice, ' second'))
    alice.commands.splitBlock()
    expect(bob.state.doc.childCount).toBe(2)
    expect(suggestionRuns(bob.state.doc)).toMatchObject([{ kind: 'insertion', author: 'alice', text: '¶¶' }])
    expect(listSuggestions(bob.state.doc)).toMatchObject([{ kind: 'add', inserted: '\n' }])
    expect(rejected(bob).toString()).toBe('doc(paragraph("First second."))')
    expect(accepted(bob).toString()).toBe('doc(paragraph("First"), paragraph(" second."))')
  })

  it('Enter at the end and typing a new paragraph is one suggestion; reject removes the paragraph', () => {
    const { alice, bob } = editors.pair('<p>First.</p><p>Last.</p>')
    alice.commands.setTextSelection(posOf(alice, 'First.', 'end'))
    alice.commands.splitBlock()
    type(alice, alice.state.selection.from, 'New')
    expect(listSuggestions(bob.state.doc)).toMatchObject([{ kind: 'add', inserted: '\nNew' }])
    expect(accepted(bob).toString()).toBe('doc(paragraph("First."), paragraph("New"), paragraph("Last."))')
    bob.commands.rejectAllSuggestions()
    expect(alice.getHTML()).toBe('<p>First.</p><p>Last.</p>')
  })

  it('Backspace at a paragraph start suggests the join; accept joins, reject keeps both', () => {
    const { alice, bob } = editors.pair('<p>One</p><p>Two</p>')
    alice.commands.setTextSelection(posOf(alice, 'Two'))
    alice.commands.keyboardShortcut('Backspace')
    expect(suggestionRuns(bob.state.doc)).toMatchObject([{ kind: 'deletion', author: 'alice', text: '¶¶' }])
    expect(listSuggestions(bob.state.doc)).toMatchObject([{ kind: 'delete', deleted: '\n' }])
    expect(accepted(bob).toString()).toBe('doc(paragraph("OneTwo"))')
    expect(rejected(bob).toString()).toBe('doc(paragraph("One"), paragraph("Two"))')
  })

  it('deleting across paragraphs marks both parts; accept joins as the plain deletion does', () => {
    const { alice, bob } = editors.pair('<p>Alpha beta</p><p>gamma delta</p>')
    remove(alice, posOf(alice, ' beta'), posOf(alice, ' delta'))
    expect(suggestionRuns(bob.state.doc)).toMatchObject([{ kind: 'deletion', text: ' betagamma' }])
    expect(accepted(bob).toString()).toBe('doc(paragraph("Alpha delta"))')
    expect(rejected(bob).toString()).toBe('doc(paragraph("Alpha beta"), paragraph("gamma delta"))')
  })

  it('deleting a whole paragraph: accept removes it, reject keeps it; the peer sees the suggestion', () => {
    const { alice, bob } = editors.pair('<p>Keep.</p><p>Drop.</p><p>Keep too.</p>')
    const second = alice.state.doc.child(0).nodeSize
    remove(alice, second, second + alice.state.doc.child(1).nodeSize)
    expect(suggestionRuns(bob.state.doc)).toMatchObject([{ kind: 'deletion', author: 'alice', text: '¶Drop.' }])
    expect(accepted(bob).toString()).toBe('doc(paragraph("Keep."), paragraph("Keep too."))')
    expect(rejected(bob).toString()).toBe('doc(paragraph("Keep."), paragraph("Drop."), paragraph("Keep too."))')
  })

  it('pasting two paragraphs in the middle of one: reject restores it', () => {
    const { alice, bob } = editors.pair('<p>Start end.</p>')
    alice.commands.insertContentAt(posOf(alice, ' end'), '<p>one</p><p>two</p>')
    expect(plain(accepted(bob))).toBe('Startonetwo end.')
    expect(rejected(bob).toString()).toBe('doc(paragraph("Start end."))')
  })
  it('joining across someone else’s suggested split marks their anchors; rejecting either keeps the other whole', () => {
    const { alice, bob } = editors.pair('<p>First second.</p>')
    alice.commands.setTextSelection(posOf(alice, ' second'))
    alice.commands.splitBlock()
    const split = alice.state.doc.toJSON()
    bob.commands.setTextSelection(bob.state.doc.child(0).nodeSize + 1) // start of the second paragraph
    bob.commands.joinBackward()
    expect(suggestionRuns(bob.state.doc).map((run) => [run.kind, run.author, run.text])).toEqual([
      ['insertion', 'alice', '¶¶'],
      ['deletion', 'bob', '¶¶'],
    ])
    expect(accepted(bob).toString()).toBe('doc(paragraph("First second."))')
    const [alices, bobs] = listSuggestions(bob.state.doc)
    bob.commands.rejectSuggestion(bobs!.id)
    expect(bob.state.doc.toJSON()).toEqual(split)
    bob.commands.rejectSuggestion(alices!.id)
    expect(bob.getHTML()).toBe('<p>First second.</p>')
  })

  it('joining across someone else’s suggested split where their text meets the boundary is refused', () => {
    const { alice, bob } = editors.pair('<p>First second.</p>')
    type(alice, posOf(alice, ' second'), 'XY')
    alice.commands.splitBlock()
    expect(suggestionRuns(alice.state.doc)).toMatchObject([{ kind: 'insertion', text: 'XY¶' }])
    const before = bob.state.doc.toJSON()
    bob.commands.setTextSelection(bob.state.doc.child(0).nodeSize + 1)
    expect(() => bob.commands.joinBackward()).not.toThrow()
    expect(bob.state.doc.toJSON()).toEqual(before)
  })
})

describe('suggesting: lists', () => {
  it('splitting a list item syncs as anchors; reject all restores the list', () => {
    const { alice, bob } = editors.pair('<ul><li><p>One</p></li><li><p>Two</p></li></ul>')
    const original = bob.state.doc
    alice.commands.setTextSelection(posOf(alice, 'One', 'end'))
    alice.commands.splitListItem('listItem')
    expect(bob.state.doc.child(0).childCount).toBe(3)
    expect(suggestionRuns(bob.state.doc)).toMatchObject([{ kind: 'insertion', author: 'alice', text: '¶¶' }])
    bob.commands.rejectAllSuggestions()
    expect(alice.state.doc.toJSON()).toEqual(original.toJSON())
  })

  it('deleting across one’s own suggested list-item split removes it; reject all gives the original', () => {
    const { alice, bob } = editors.pair('<ul><li><p>One</p></li><li><p>Two</p></li></ul>')
    const original = bob.state.doc
    alice.commands.setTextSelection(posOf(alice, 'One', 'end'))
    alice.commands.splitListItem('listItem')
    remove(alice, posOf(alice, 'ne'), posOf(alice, 'Two'))
    bob.commands.rejectAllSuggestions()
    expect(alice.state.doc.toJSON()).toEqual(original.toJSON())
  })

  it('deleting a whole list item: accept removes it', () => {
    const { alice, bob } = editors.pair('<ul><li><p>One</p></li><li><p>Two</p></li><li><p>Three</p></li></ul>')
    const original = bob.state.doc
    const list = alice.state.doc.child(0)
    const second = 1 + list.child(0).nodeSize
    remove(alice, second, second + list.child(1).nodeSize)
    expect(accepted(bob).toString()).toBe(
      'doc(bulletList(listItem(paragraph("One")), listItem(paragraph("Three"))), paragraph)',
    )
    expect(rejected(bob).toJSON()).toEqual(original.toJSON())
  })

  it('wrapping in a list or sinking an item is refused while suggesting (command false, doc unchanged)', () => {
    const { alice } = editors.pair('<p>Text</p><ul><li><p>One</p></li><li><p>Two</p></li></ul>')
    const before = alice.state.doc
    alice.commands.setTextSelection(posOf(alice, 'Text'))
    expect(alice.commands.toggleBulletList()).toBe(false)
    expect(alice.commands.toggleHeading({ level: 1 })).toBe(false)
    alice.commands.setTextSelection(posOf(alice, 'Two'))
    expect(alice.commands.sinkListItem('listItem')).toBe(false)
    expect(alice.state.doc.eq(before)).toBe(true)
    alice.commands.setSuggesting(false)
    expect(alice.commands.sinkListItem('listItem')).toBe(true)
  })

  it('tells the app why a refused command did nothing, but not when the toolbar only asks can()', () => {
    const { alice } = editors.pair('<p>Text</p>')
    const reasons: string[] = []
    alice.storage.suggesting.onRefused = (reason: string) => reasons.push(reason)
    alice.commands.setTextSelection(posOf(alice, 'Text'))
    expect(alice.can().toggleBulletList()).toBe(false)
    expect(reasons).toEqual([])
    expect(alice.commands.toggleBulletList()).toBe(false)
    expect(alice.chain().focus().toggleHeading({ level: 2 }).run()).toBe(false)
    expect(reasons).toEqual(['toggleBulletList cannot be a suggestion', 'toggleHeading cannot be a suggestion'])
  })
})

describe('suggesting: tables', () => {
  const table = '<table><tbody><tr><td><p>Cell</p></td><td><p>Other</p></td></tr></tbody></table><p>After</p>'

  it('typing and deleting inside cells sync; accept and reject work', () => {
    const { alice, bob } = editors.pair(table)
    const original = bob.state.doc
    type(alice, posOf(alice, 'Cell', 'end'), ' new')
    remove(alice, posOf(alice, 'Oth'), posOf(alice, 'Oth', 'end'))
    expect(suggestionRuns(bob.state.doc)).toMatchObject([
      { kind: 'insertion', text: ' new' },
      { kind: 'deletion', text: 'Oth' },
    ])
    const doc = accepted(bob)
    expect(doc.textBetween(0, doc.content.size, '|')).toBe('Cell new|er|After')
    bob.commands.rejectAllSuggestions()
    expect(alice.state.doc.toJSON()).toEqual(original.toJSON())
  })

  it('row and column commands return false while suggesting and change nothing', () => {
    const { alice, bob } = editors.pair(table)
    const original = bob.state.doc
    alice.commands.setTextSelection(posOf(alice, 'Cell'))
    expect(alice.commands.addRowAfter()).toBe(false)
    expect(alice.commands.addColumnBefore()).toBe(false)
    expect(alice.commands.deleteTable()).toBe(false)
    expect(alice.can().addRowAfter()).toBe(false)
    expect(alice.state.doc.toJSON()).toEqual(original.toJSON())
    expect(bob.state.doc.toJSON()).toEqual(original.toJSON())
  })

  it('deleting a cell selection marks the cells’ text deleted (the cells stay)', () => {
    const { alice, bob } = editors.pair(table)
    const original = bob.state.doc
    const cell = (text: string) => alice.state.doc.resolve(posOf(alice, text) - 2)
    alice.view.dispatch(
      alice.state.tr.setSelection(CellSelection.create(alice.state.doc, cell('Cell').pos, cell('Other').pos)),
    )
    expect(deleteCellSelection(alice.state, alice.view.dispatch)).toBe(true)
    expect(suggestionRuns(bob.state.doc).map((run) => [run.kind, run.text])).toEqual([['deletion', 'CellOther']])
    const doc = accepted(bob)
    expect(doc.textBetween(0, doc.content.size, '|')).toBe('||After') // two emptied cells, as the plain command leaves them
    bob.commands.rejectAllSuggestions()
    expect(alice.state.doc.toJSON()).toEqual(original.toJSON())
  })

  it('suggestTransaction says why it refuses', () => {
    const { alice } = editors.pair(table)
    const reasons: string[] = []
    const tr = alice.state.tr.delete(posOf(alice, 'ell'), posOf(alice, 'ther'))
    const author = { id: 'alice', name: 'Alice' }
    expect(suggestTransaction(tr, alice.state, { author, onRefused: (reason) => reasons.push(reason) })).toBeNull()
    expect(reasons).toEqual(['suggesting cannot express this edit: a range across table cells'])
  })

  it('a deletion across table cells is refused, not thrown', () => {
    const { alice } = editors.pair(table)
    const before = alice.state.doc
    expect(() => remove(alice, posOf(alice, 'ell'), posOf(alice, 'ther'))).not.toThrow()
    expect(alice.state.doc.eq(before)).toBe(true)
  })
})

describe('suggesting with Yjs: undo and convergence', () => {
  it('per-user undo removes exactly the undoer’s suggestion; the peer’s stays; redo brings it back', () => {
    const { alice, bob } = editors.pair('<p>The quick brown fox.</p>')
    const manager = yUndoManagerOf(alice)
    manager.stopCapturing()
    manager.clear()
    type(alice, posOf(alice, 'quick'), 'very ')
    manager.stopCapturing()
    type(bob, posOf(bob, 'fox.', 'end'), ' Indeed.')
    remove(bob, posOf(bob, 'brown '), posOf(bob, 'brown ', 'end'))
    alice.commands.undo()
    expect(suggestionRuns(bob.state.doc).map((run) => [run.kind, run.author, run.text])).toEqual([
      ['deletion', 'bob', 'brown '],
      ['insertion', 'bob', ' Indeed.'],
    ])
    expect(alice.state.doc.toJSON()).toEqual(bob.state.doc.toJSON())
    alice.commands.redo()
    expect(suggestionRuns(bob.state.doc).map((run) => run.author)).toEqual(['alice', 'bob', 'bob'])
  })

  it('accept and reject are undoable by whoever did them', () => {
    const { alice, bob } = editors.pair('<p>The quick fox.</p>')
    type(alice, posOf(alice, 'quick'), 'very ')
    const suggested = bob.state.doc.toJSON()
    const manager = yUndoManagerOf(bob)
    manager.stopCapturing()
    bob.commands.acceptAllSuggestions()
    expect(alice.getHTML()).toBe('<p>The very quick fox.</p>')
    bob.commands.undo()
    expect(alice.state.doc.toJSON()).toEqual(suggested)
  })

  it('two authors suggesting at once converge, and each one’s suggestions name them', () => {
    const { alice, bob, a, b } = editors.pair('<p>One two three.</p><p>Four five.</p>')
    type(alice, posOf(alice, 'two'), 'big ')
    type(bob, posOf(bob, 'five'), 'small ')
    remove(alice, posOf(alice, 'Four '), posOf(alice, 'Four ', 'end'))
    remove(bob, posOf(bob, 'three'), posOf(bob, 'three', 'end'))
    expect(alice.state.doc.toJSON()).toEqual(bob.state.doc.toJSON())
    expect(serverDocOf(alice, a).toJSON()).toEqual(serverDocOf(bob, b).toJSON())
    expect(suggestionRuns(alice.state.doc).map((run) => [run.kind, run.author, run.text])).toEqual([
      ['insertion', 'alice', 'big '],
      ['deletion', 'bob', 'three'],
      ['deletion', 'alice', 'Four '],
      ['insertion', 'bob', 'small '],
    ])
  })
})

describe('suggesting: property', () => {
  type Op =
    | { kind: 'insert'; by: number; at: number; text: string }
    | { kind: 'delete'; by: number; from: number; length: number }
    | { kind: 'split'; by: number; at: number }
    | { kind: 'bold'; by: number; from: number; length: number }
  const by = fc.integer({ min: 0, max: 1 })
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ kind: fc.constant('insert' as const), by, at: fc.nat(200), text: fc.stringMatching(/^[a-z ]{1,3}$/) }),
    fc.record({ kind: fc.constant('delete' as const), by, from: fc.nat(200), length: fc.integer({ min: 1, max: 12 }) }),
    fc.record({ kind: fc.constant('split' as const), by, at: fc.nat(200) }),
    fc.record({ kind: fc.constant('bold' as const), by, from: fc.nat(200), length: fc.integer({ min: 1, max: 8 }) }),
  )

  /** Positions inside textblocks, in document order. */
  function textPositions(doc: PMNode): number[] {
    const positions: number[] = []
    doc.descendants((node, pos) => {
      if (!node.isTextblock) return true
      for (let i = 0; i <= node.content.size; i++) positions.push(pos + 1 + i)
      return false
    })
    return positions
  }

  const original = '<p>The quick brown fox</p><ul><li><p>jumps</p></li><li><p>over</p></li></ul><p>the lazy dog.</p>'
  const counts = { refusals: 0, edits: 0 }

  /** Plays `ops` by two suggesting authors, checking after each edit that reject all gives the
   *  original and accept all gives the same edits made plainly. */
  function checkEdits(ops: Op[]): void {
    editors.destroy()
    const { alice, bob } = editors.pair(original)
    const start = alice.state.doc.toJSON()
    const schema = alice.schema
    for (const o of ops) {
      counts.edits++
      const editor = o.by === 0 ? alice : bob
      const doc = editor.state.doc
      const positions = textPositions(doc)
      const pick = (n: number) => positions[n % positions.length]!
      // What the edit means once every suggestion is accepted: the same edit, plainly.
      const accept = acceptSuggestions(new Transform(schema.nodeFromJSON(doc.toJSON())))
      const plainEdit = new Transform(accept.doc)
      const map = (pos: number) => accept.mapping.map(pos)
      const checked = editors.checks.length
      if (o.kind === 'insert') {
        const at = pick(o.at)
        editor.view.dispatch(editor.state.tr.insert(at, editor.schema.text(o.text)))
        plainEdit.insert(map(at), schema.text(o.text))
      } else if (o.kind === 'split') {
        const at = pick(o.at)
        editor.commands.setTextSelection(at)
        editor.commands.splitBlock()
        plainEdit.split(map(at))
      } else {
        const index = o.from % positions.length
        const from = positions[index]!
        const to = positions[Math.min(positions.length - 1, index + o.length)]!
        if (o.kind === 'delete') {
          remove(editor, from, to)
          if (map(to) > map(from)) plainEdit.delete(map(from), map(to))
        } else {
          editor.chain().setTextSelection({ from, to }).setMark('bold').run()
          plainEdit.addMark(map(from), map(to), schema.marks['bold']!.create())
        }
      }
      expect(alice.state.doc.toJSON()).toEqual(bob.state.doc.toJSON())
      // A refused edit (rare: see the refusal tests) changes nothing.
      const isRefused = editors.checks.length === checked && !plainEdit.doc.eq(accept.doc)
      if (isRefused) counts.refusals++
      if (isRefused && process.env.SUGGEST_DEBUG)
        console.log('REFUSED', JSON.stringify(o), doc.toString().replace(/\u200B/g, '¶'))
      expect(accepted(alice).toJSON()).toEqual(isRefused ? accept.doc.toJSON() : plainEdit.doc.toJSON())
      expect(rejected(alice).toJSON()).toEqual(start)
    }
    editors.checks.forEach((check) => expect(check).toMatchObject({ passed: true }))
  }

  it('random edits by two suggesting authors: reject all gives the original, accept all the plain edits', () => {
    counts.refusals = 0
    counts.edits = 0
    fc.assert(fc.property(fc.array(op, { minLength: 1, maxLength: 10 }), checkEdits), {
      numRuns: Number(process.env.SUGGEST_RUNS ?? 60),
    })
    // Refusals are the exception, not a way to pass.
    expect(counts.refusals).toBeLessThan(counts.edits / 20)
  }, 180_000)

  // Bob's split leaves an anchor alone in a paragraph; Alice's deletion then runs over it from the
  // list above (a join). Typing at that paragraph's end has no place that keeps both: before the
  // anchor it cuts the join, after it the split (reject all used to leave an empty paragraph).
  it('regression (seed 98336786): typing where a suggested split meets a suggested join is refused', () => {
    counts.refusals = 0
    checkEdits([
      { kind: 'insert', by: 0, at: 0, text: '  ' },
      { kind: 'insert', by: 0, at: 0, text: ' a' },
      { kind: 'insert', by: 0, at: 84, text: 'a' },
      { kind: 'insert', by: 0, at: 0, text: '  ' },
      { kind: 'split', by: 1, at: 193 },
      { kind: 'delete', by: 0, from: 82, length: 11 },
      { kind: 'insert', by: 0, at: 137, text: 'a' },
    ])
    expect(counts.refusals).toBe(1)
  })

  // Alice splits her paragraph right before her own inserted "a", which then starts the new
  // paragraph as her split's text. Bob typing before it would cut her split; after it, his text
  // would follow the "a" once accepted, which is not what he typed: refused.
  it('regression (seed -931029275): typing before another author’s split text that starts a block is refused', () => {
    counts.refusals = 0
    checkEdits([
      { kind: 'insert', by: 0, at: 177, text: '  a' },
      { kind: 'delete', by: 0, from: 85, length: 7 },
      { kind: 'split', by: 0, at: 0 },
      { kind: 'split', by: 0, at: 40 },
      { kind: 'insert', by: 1, at: 200, text: ' ' },
      { kind: 'split', by: 0, at: 0 },
    ])
    expect(counts.refusals).toBe(1)
  })
})

describe('suggesting: plugins that edit through appendTransaction are off while suggesting', () => {
  it('the trailing-node plugin adds no paragraph after a final list (an edit the server would refuse)', () => {
    const ydoc = prosemirrorJSONToYDoc(
      getSchema(documentExtensions()),
      {
        type: 'doc',
        content: [
          {
            type: 'bulletList',
            content: [{ type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'One' }] }] }],
          },
        ],
      },
      DOCUMENT_FIELD,
    )
    const updates: Uint8Array[] = []
    ydoc.on('update', (update: Uint8Array) => updates.push(update))
    const suggesting = editors.editorOn(ydoc, 'carol', true)
    type(suggesting, posOf(suggesting, 'One', 'end'), '!')
    expect(suggesting.state.doc.lastChild?.type.name).toBe('bulletList')
    expect(suggestionRuns(suggesting.state.doc)).toMatchObject([{ kind: 'insertion', author: 'carol', text: '!' }])
    // Only the suggestion reached the Y.Doc.
    expect(updates).toHaveLength(1)
    suggesting.commands.setSuggesting(false)
    type(suggesting, posOf(suggesting, 'One', 'end'), '?')
    expect(suggesting.state.doc.lastChild?.type.name).toBe('paragraph')
  })

  it('autolink does not link a typed URL while suggesting; it does in Editing mode', () => {
    const { alice } = editors.pair('<p>See</p>')
    type(alice, posOf(alice, 'See', 'end'), ' https://example.com ')
    expect(JSON.stringify(alice.state.doc.toJSON())).not.toContain('"link"')
    alice.commands.setSuggesting(false)
    type(alice, alice.state.doc.child(0).nodeSize - 1, 'https://tandem.dev ')
    expect(JSON.stringify(alice.state.doc.toJSON())).toContain('"href":"https://tandem.dev"')
  })

  it('an input rule that would change the block ("# " → heading) keeps the keystroke as a suggestion', () => {
    const { alice } = editors.pair('<p>Text</p>')
    type(alice, 1, '#')
    const typeSpace = (view: typeof alice.view) => {
      const { from } = view.state.selection
      return view.someProp('handleTextInput', (handle) =>
        handle(view, from, from, ' ', () => view.state.tr.insertText(' ', from, from)),
      )
    }
    expect(typeSpace(alice.view)).toBe(true)
    expect(alice.state.doc.child(0).type.name).toBe('paragraph')
    expect(suggestionRuns(alice.state.doc)).toMatchObject([{ kind: 'insertion', text: '# ' }])
  })

  it('a block type change (what the "# " input rule does) is refused and changes nothing', () => {
    const { alice } = editors.pair('<p>Text</p>')
    const before = alice.state.doc
    alice.view.dispatch(alice.state.tr.setBlockType(1, 1, alice.schema.nodes['heading']!, { level: 1 }))
    expect(alice.state.doc.eq(before)).toBe(true)
    expect(editors.checks).toEqual([])
  })
})

describe('the suggest-only check (changesOnlyOwnSuggestions)', () => {
  it('accepts an author’s suggestions for that author only', () => {
    const { alice, a } = editors.pair('<p>The quick brown fox.</p>')
    const before = serverDocOf(alice, a)
    type(alice, posOf(alice, 'quick'), 'very ')
    remove(alice, posOf(alice, 'brown '), posOf(alice, 'brown ', 'end'))
    alice.commands.setTextSelection({ from: posOf(alice, 'fox'), to: posOf(alice, 'fox', 'end') })
    alice.commands.toggleBold()
    alice.commands.setTextSelection(posOf(alice, 'fox'))
    alice.commands.splitBlock()
    const after = serverDocOf(alice, a)
    expect(changesOnlyOwnSuggestions(before, after, 'alice')).toBe(true)
    expect(changesOnlyOwnSuggestions(before, after, 'bob')).toBe(false)
  })

  it('refuses a plain edit, a forged author, and text removed while other text is marked deleted', () => {
    const schema = getSchema(documentExtensions())
    const before = schema.nodeFromJSON({
      type: 'doc',
      content: [{ type: 'paragraph', content: [{ type: 'text', text: 'The quick fox.' }] }],
    })
    const mark = (name: string, id: string, author: string) =>
      schema.marks[name]!.create({ id, author, authorName: author, at: 1 })
    expect(changesOnlyOwnSuggestions(before, new Transform(before).insert(1, schema.text('X')).doc, 'alice')).toBe(
      false,
    )
    const forged = new Transform(before).insert(1, schema.text('Hi ', [mark('insertion', 'bob:1', 'bob')])).doc
    expect(changesOnlyOwnSuggestions(before, forged, 'alice')).toBe(false)
    const sneaky = new Transform(before).addMark(5, 10, mark('deletion', 'alice:1', 'alice')).delete(11, 14).doc
    expect(changesOnlyOwnSuggestions(before, sneaky, 'alice')).toBe(false)
    const honest = new Transform(before).addMark(5, 10, mark('deletion', 'alice:1', 'alice')).doc
    expect(changesOnlyOwnSuggestions(before, honest, 'alice')).toBe(true)
  })

  it('refuses an edit that removes another author’s suggestion', () => {
    const { alice, bob, a } = editors.pair('<p>The quick fox.</p>')
    type(bob, posOf(bob, 'fox'), 'big ')
    const before = serverDocOf(alice, a)
    const { from, to } = listSuggestions(before)[0]!
    const after = new Transform(before).delete(from, to).doc
    expect(changesOnlyOwnSuggestions(before, after, 'alice')).toBe(false)
  })
})

describe('the suggest-only check: cost', () => {
  it('a comment-role update on a 2,000-paragraph document (scratch copy, conversion, check)', () => {
    const schema = getSchema(documentExtensions())
    const pending = (i: number) => ({ id: `bob:${i}`, author: 'bob', authorName: 'Bob', at: 1 })
    const paragraphs = Array.from({ length: 2000 }, (_, i) => ({
      type: 'paragraph',
      content: [
        { type: 'text', text: `Paragraph ${i}: the quick brown fox jumps over the lazy dog, again and again. ` },
        ...(i % 50 === 0 ? [{ type: 'text', text: 'pending', marks: [{ type: 'insertion', attrs: pending(i) }] }] : []),
      ],
    }))
    const live = prosemirrorJSONToYDoc(schema, { type: 'doc', content: paragraphs }, DOCUMENT_FIELD)
    // Alice's editor, caught up, suggests one word in paragraph 1000: that update is what arrives.
    const clientDoc = new Y.Doc()
    Y.applyUpdate(clientDoc, Y.encodeStateAsUpdate(live))
    const alice = editors.editorOn(clientDoc, 'alice', true)
    const updates: Uint8Array[] = []
    clientDoc.on('update', (update: Uint8Array) => updates.push(update))
    const typing = performance.now()
    type(alice, posOf(alice, 'Paragraph 1000:', 'end'), ' new')
    const perKeystroke = (performance.now() - typing) / 4
    const update = Y.mergeUpdates(updates)
    alice.commands.setSuggesting(false)
    const plainTyping = performance.now()
    type(alice, posOf(alice, 'Paragraph 1500:', 'end'), ' new')
    const perPlainKeystroke = (performance.now() - plainTyping) / 4
    const toPM = (ydoc: Y.Doc) => yXmlFragmentToProseMirrorRootNode(ydoc.getXmlFragment(DOCUMENT_FIELD), schema)

    const t0 = performance.now()
    const scratch = new Y.Doc()
    Y.applyUpdate(scratch, Y.encodeStateAsUpdate(live))
    const t1 = performance.now()
    const before = toPM(scratch)
    const t2 = performance.now()
    Y.applyUpdate(scratch, update)
    const after = toPM(scratch)
    const t3 = performance.now()
    const ok = changesOnlyOwnSuggestions(before, after, 'alice')
    const t4 = performance.now()
    expect(ok).toBe(true)
    expect(changesOnlyOwnSuggestions(before, after, 'bob')).toBe(false)
    const ms = (x: number) => Math.round(x * 10) / 10
    console.log(
      `suggest-only check, 2,000 paragraphs (${Y.encodeStateAsUpdate(live).byteLength} bytes): ` +
        `scratch copy ${ms(t1 - t0)} ms, doc→PM ${ms(t2 - t1)} ms, update+doc→PM ${ms(t3 - t2)} ms, ` +
        `check ${ms(t4 - t3)} ms, total ${ms(t4 - t0)} ms; update ${update.byteLength} bytes; ` +
        `a keystroke in the editor: suggesting ${ms(perKeystroke)} ms, editing ${ms(perPlainKeystroke)} ms`,
    )
    expect(t4 - t0).toBeLessThan(5000) // a loose ceiling on a shared machine; the figures are logged
  })
})
