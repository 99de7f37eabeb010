// @vitest-environment happy-dom
import {
  applySuggestions,
  enableSuggestChanges,
  revertSuggestions,
  suggestChanges,
  suggestChangesKey,
  transformToSuggestionTransaction,
} from '@handlewithcare/prosemirror-suggest-changes'
import { Editor, Extension, Mark, Node as TiptapNode, getSchema, type Extensions } from '@tiptap/core'
import Collaboration from '@tiptap/extension-collaboration'
import { TaskItem, TaskList } from '@tiptap/extension-list'
import { TableKit } from '@tiptap/extension-table'
import type { Node as PMNode, Schema } from '@tiptap/pm/model'
import { TextSelection } from '@tiptap/pm/state'
import { Transform } from '@tiptap/pm/transform'
import StarterKit from '@tiptap/starter-kit'
import { prosemirrorJSONToYDoc, yXmlFragmentToProseMirrorRootNode, ySyncPluginKey } from '@tiptap/y-tiptap'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'

/**
 * Issue 17, evaluation step: does @handlewithcare/prosemirror-suggest-changes (0.1.8) work for
 * Tandem's Suggesting mode on Tiptap + Yjs, with per-user undo, and what would the server's
 * suggest-only check cost? Tests named "LIMITATION" assert what the library does today, which
 * Tandem would have to change (docs/design/suggestions.md). Not wired into the editor or server.
 */

const FIELD = 'default'
const SUGGESTION_MARKS = 'insertion deletion modification'

/** A suggestion mark as a Tiptap mark, with the library's MarkSpec (schema.js): `<ins>`/`<del>` with data-id. */
function suggestionMark(name: 'insertion' | 'deletion', tag: 'ins' | 'del') {
  return Mark.create({
    name,
    inclusive: false,
    excludes: SUGGESTION_MARKS,
    addAttributes: () => ({
      id: {
        default: null,
        // The test project is typed without the DOM library; at run time this is a happy-dom element.
        parseHTML: (element: unknown) =>
          (element as { getAttribute(name: string): string | null }).getAttribute('data-id'),
        renderHTML: (attributes: Record<string, unknown>) => ({ 'data-id': String(attributes['id']) }),
      },
    }),
    parseHTML: () => [{ tag: `${tag}[data-id]` }],
    renderHTML: ({ HTMLAttributes }) => [tag, HTMLAttributes, 0],
  })
}

/** The library's `modification` mark (node attr/mark/type changes), as a Tiptap mark. */
const Modification = Mark.create({
  name: 'modification',
  inclusive: false,
  excludes: 'deletion insertion',
  addAttributes: () => ({
    id: { default: null },
    type: { default: null },
    attrName: { default: null },
    previousValue: { default: null },
    newValue: { default: null },
  }),
  parseHTML: () => [{ tag: 'span[data-type="modification"]' }],
  renderHTML: ({ HTMLAttributes }) => ['span', { ...HTMLAttributes, 'data-type': 'modification' }, 0],
})

/** The library wants the marks allowed on blocks too (node marks for whole inserted/deleted blocks). */
const SuggestableDocument = TiptapNode.create({
  name: 'doc',
  topNode: true,
  content: 'block+',
  marks: SUGGESTION_MARKS,
})

function contentExtensions(): Extensions {
  return [
    StarterKit.configure({ undoRedo: false, document: false }),
    SuggestableDocument,
    TaskList,
    TaskItem.configure({ nested: true }),
    TableKit.configure({ table: { resizable: false } }),
    suggestionMark('insertion', 'ins'),
    suggestionMark('deletion', 'del'),
    Modification,
  ]
}

const schema: Schema = getSchema(contentExtensions())

/**
 * Suggesting mode as a Tiptap extension: the library's dispatch decorator (withSuggestChanges)
 * rewritten as Tiptap's dispatchTransaction hook. Ids are "<author>:<n>" so every mark names its
 * author (the library's marks only carry `id`); remote (y-sync) and undo/redo transactions pass as they are.
 */
function suggestingExtension(author: string) {
  let counter = 0
  return Extension.create({
    name: 'suggestChanges',
    addProseMirrorPlugins: () => [suggestChanges()],
    dispatchTransaction({ transaction, next }) {
      const state = this.editor.state
      const enabled = suggestChangesKey.getState(state)?.enabled === true
      const ySync = (transaction.getMeta(ySyncPluginKey) ?? {}) as {
        isChangeOrigin?: boolean
        isUndoRedoOperation?: boolean
      }
      const skip = 'skip' in ((transaction.getMeta(suggestChangesKey) ?? {}) as object)
      const pass = !enabled || skip || ySync.isChangeOrigin === true || ySync.isUndoRedoOperation === true
      next(pass ? transaction : transformToSuggestionTransaction(transaction, state, () => `${author}:${++counter}`))
    },
  })
}

const editors: Editor[] = []
const page = globalThis as unknown as { document: { createElement(tag: string): never } }

function editorOn(doc: Y.Doc, author: string): Editor {
  const editor = new Editor({
    element: page.document.createElement('div'),
    extensions: [
      ...contentExtensions(),
      Collaboration.configure({ document: doc, field: FIELD }),
      suggestingExtension(author),
    ],
  })
  editors.push(editor)
  return editor
}

/** Two Y.Docs that exchange every update both ways, as two browsers through the server do. */
function linkedDocs() {
  const a = new Y.Doc()
  const b = new Y.Doc()
  const relay = (to: Y.Doc) => (update: Uint8Array, origin: unknown) => {
    if (origin !== 'relay') Y.applyUpdate(to, update, 'relay')
  }
  a.on('update', relay(b))
  b.on('update', relay(a))
  return { a, b }
}

function pair(html: string) {
  const { a, b } = linkedDocs()
  const alice = editorOn(a, 'alice')
  const bob = editorOn(b, 'bob')
  alice.commands.setContent(html)
  return { alice, bob, a, b }
}

function suggest(editor: Editor): void {
  enableSuggestChanges(editor.state, editor.view.dispatch)
}

/** Position just after the first occurrence of `text` (within one text node); `at: 'start'` before it. */
function posOf(editor: Editor, text: string, at: 'start' | 'end' = 'start'): number {
  let found = -1
  editor.state.doc.descendants((node, pos) => {
    if (found >= 0 || !node.isText) return found < 0
    const index = node.text?.indexOf(text) ?? -1
    if (index >= 0) found = pos + index + (at === 'end' ? text.length : 0)
    return false
  })
  if (found < 0) throw new Error(`"${text}" is not in ${editor.state.doc.textContent}`)
  return found
}

/** Type `text` one keystroke at a time at `pos`, as the keyboard does (one transaction per character). */
function type(editor: Editor, pos: number, text: string): void {
  editor.view.dispatch(editor.state.tr.setSelection(TextSelection.create(editor.state.doc, pos)))
  for (const char of text) editor.view.dispatch(editor.state.tr.insertText(char))
}

function remove(editor: Editor, from: number, to: number): void {
  editor.view.dispatch(editor.state.tr.delete(from, to))
}

interface Suggestion {
  kind: string
  id: string
  text: string
}

/**
 * Inline suggestions in document order, adjacent text of one mark joined; zero-width spaces shown
 * as ¶. Ids read "<author>#<n>", n counting distinct ids in order of appearance (raw ids count transactions).
 */
function suggestionsIn(doc: PMNode): Suggestion[] {
  const found: Suggestion[] = []
  const names = new Map<string, string>()
  doc.descendants((node) => {
    const mark = node.marks.find((m) => ['insertion', 'deletion', 'modification'].includes(m.type.name))
    if (!mark) return true
    const raw = String(mark.attrs['id'])
    const id = names.get(raw) ?? `${authorOf(raw)}#${names.size + 1}`
    names.set(raw, id)
    const text = (node.isText ? (node.text ?? '') : node.textContent).replace(/\u200B/g, '¶')
    const last = found.at(-1)
    if (last && last.kind === mark.type.name && last.id === id) last.text += text
    else found.push({ kind: mark.type.name, id, text })
    return false
  })
  return found
}

/** getHTML with ids renamed as in suggestionsIn. */
function htmlOf(editor: Editor): string {
  const names = new Map<string, string>()
  return editor.getHTML().replace(/data-id="([^"]*)"/g, (_, raw: string) => {
    const id = names.get(raw) ?? `${authorOf(raw)}#${names.size + 1}`
    names.set(raw, id)
    return `data-id="${id}"`
  })
}

const plain = (editor: Editor) => editor.state.doc.textContent.replace(/\u200B/g, '')
const authorOf = (id: string) => id.split(':')[0] ?? id

afterEach(() => {
  for (const editor of editors.splice(0)) editor.destroy()
})

describe('prosemirror-suggest-changes on Tiptap + Yjs', () => {
  it('(a) A suggests an insertion and a deletion; B sees both, marked with A as author', () => {
    const { alice, bob } = pair('<p>The quick brown fox.</p>')
    suggest(alice)
    type(alice, posOf(alice, 'quick'), 'very ')
    remove(alice, posOf(alice, 'brown '), posOf(alice, 'brown ', 'end'))

    expect(suggestionsIn(bob.state.doc)).toEqual([
      { kind: 'insertion', id: 'alice#1', text: 'very ' },
      { kind: 'deletion', id: 'alice#2', text: 'brown ' },
    ])
    // The visible text keeps the deleted words (struck through), as in Google Docs.
    expect(bob.state.doc.textContent).toBe('The very quick brown fox.')
    expect(htmlOf(bob)).toBe(
      '<p>The <ins data-id="alice#1">very </ins>quick <del data-id="alice#2">brown </del>fox.</p>',
    )
    // Suggest mode is per editor state: B, not suggesting, edits plainly.
    expect(suggestChangesKey.getState(bob.state)?.enabled).toBe(false)
  })

  it('(b) accept all gives the edited text, reject all the original; both documents converge', () => {
    const accepted = pair('<p>The quick brown fox.</p>')
    suggest(accepted.alice)
    type(accepted.alice, posOf(accepted.alice, 'quick'), 'very ')
    remove(accepted.alice, posOf(accepted.alice, 'brown '), posOf(accepted.alice, 'brown ', 'end'))
    applySuggestions(accepted.bob.state, accepted.bob.view.dispatch)
    expect(accepted.bob.getHTML()).toBe('<p>The very quick fox.</p>')
    expect(accepted.alice.getHTML()).toBe(accepted.bob.getHTML())

    const rejected = pair('<p>The quick brown fox.</p>')
    suggest(rejected.alice)
    type(rejected.alice, posOf(rejected.alice, 'quick'), 'very ')
    remove(rejected.alice, posOf(rejected.alice, 'brown '), posOf(rejected.alice, 'brown ', 'end'))
    revertSuggestions(rejected.bob.state, rejected.bob.view.dispatch)
    expect(rejected.bob.getHTML()).toBe('<p>The quick brown fox.</p>')
    expect(rejected.alice.getHTML()).toBe(rejected.bob.getHTML())
    expect(Y.encodeStateVector(rejected.a)).toEqual(Y.encodeStateVector(rejected.b))
  })

  it('(c) per-user undo removes exactly A’s suggestion and keeps B’s concurrent edit', () => {
    const { alice, bob } = pair('<p>The quick brown fox.</p>')
    suggest(alice)
    // setContent above is A's own change too: start the undo history at the suggestion.
    const manager = yUndoManagerOf(alice)
    manager.stopCapturing()
    manager.clear()
    type(alice, posOf(alice, 'quick'), 'very ')
    remove(alice, posOf(alice, 'brown '), posOf(alice, 'brown ', 'end'))
    type(bob, posOf(bob, 'fox.', 'end'), ' Indeed.') // B edits plainly, concurrently

    expect(htmlOf(alice)).toBe(
      '<p>The <ins data-id="alice#1">very </ins>quick <del data-id="alice#2">brown </del>fox. Indeed.</p>',
    )
    alice.commands.undo()
    expect(alice.getHTML()).toBe('<p>The quick brown fox. Indeed.</p>')
    expect(bob.getHTML()).toBe(alice.getHTML())
    alice.commands.redo()
    expect(suggestionsIn(bob.state.doc).map((s) => s.id)).toEqual(['alice#1', 'alice#2'])
  })

  it('(d) typing inside one’s own suggestion extends it (same id)', () => {
    const { alice, bob } = pair('<p>The quick fox.</p>')
    suggest(alice)
    type(alice, posOf(alice, 'quick'), 'very ')
    type(alice, posOf(alice, 'ery'), 'X') // inside "very "
    type(alice, posOf(alice, 'ery ', 'end'), 'Y') // at its end (the mark is not inclusive)
    expect(suggestionsIn(bob.state.doc)).toEqual([{ kind: 'insertion', id: 'alice#1', text: 'vXery Y' }])
  })

  it('(d) LIMITATION: deleting inside someone else’s insertion really deletes their text (no deletion mark)', () => {
    const { alice, bob } = pair('<p>The quick fox.</p>')
    suggest(alice)
    suggest(bob)
    type(bob, posOf(bob, 'fox'), 'big ')
    remove(alice, posOf(alice, 'ig'), posOf(alice, 'ig', 'end'))
    // Google Docs would mark it deleted by A; the library removes B's suggested characters outright.
    expect(suggestionsIn(bob.state.doc)).toEqual([{ kind: 'insertion', id: 'bob#1', text: 'b ' }])
  })

  it('(d) LIMITATION: typing next to someone else’s suggestion joins it, under their id', () => {
    const { alice, bob } = pair('<p>The quick fox.</p>')
    suggest(alice)
    suggest(bob)
    type(bob, posOf(bob, 'fox'), 'big ')
    type(alice, posOf(alice, 'big ', 'end'), 'red ')
    // markBefore's id is reused whoever wrote it (replaceStep.js): A's text is attributed to B.
    expect(suggestionsIn(alice.state.doc)).toEqual([{ kind: 'insertion', id: 'bob#1', text: 'big red ' }])
  })

  it('(e) LIMITATION: bold in suggest mode becomes delete + insert of the same text, not a format suggestion', () => {
    const { alice, bob } = pair('<p>The quick fox.</p>')
    suggest(alice)
    alice.commands.setTextSelection({ from: posOf(alice, 'quick'), to: posOf(alice, 'quick', 'end') })
    alice.commands.toggleBold()
    expect(htmlOf(bob)).toBe(
      '<p>The <del data-id="alice#1">quick</del><strong><ins data-id="alice#1">quick</ins></strong> fox.</p>',
    )
    expect(plain(bob)).toBe('The quickquick fox.') // both copies are in the text
    applySuggestions(bob.state, bob.view.dispatch)
    expect(bob.getHTML()).toBe('<p>The <strong>quick</strong> fox.</p>')
  })

  it('(e) a paragraph split in suggest mode inserts zero-width spaces; it syncs, applies and reverts', () => {
    const { alice, bob } = pair('<p>First second.</p>')
    suggest(alice)
    alice.commands.setTextSelection(posOf(alice, ' second'))
    alice.commands.splitBlock()
    expect(suggestionsIn(bob.state.doc)).toEqual([
      { kind: 'insertion', id: 'alice#1', text: '¶¶' }, // end of the first paragraph, start of the second
    ])
    expect(bob.state.doc.childCount).toBe(2)
    revertSuggestions(bob.state, bob.view.dispatch)
    expect(alice.getHTML()).toBe('<p>First second.</p>')
  })

  it('(e) LIMITATION: a whole deleted paragraph gets a node mark, which the Yjs binding does not store', () => {
    const { alice, bob } = pair('<p>Keep.</p><p>Drop.</p><p>Keep too.</p>')
    suggest(alice)
    const second = alice.state.doc.child(0).nodeSize
    remove(alice, second, second + alice.state.doc.child(1).nodeSize)
    const marksOf = (editor: Editor) => editor.state.doc.child(1).marks.map((m) => m.type.name)
    expect(marksOf(alice)).toEqual(['deletion'])
    // y-tiptap writes node attrs, never node marks, to the Y.XmlElement: B sees no suggestion.
    expect(marksOf(bob)).toEqual([])
    expect(suggestionsIn(bob.state.doc)).toEqual([])
  })

  it('LIMITATION: accepting a deletion between two spaces removes one of the spaces too', () => {
    const { alice, bob } = pair('<p>The quick brown fox.</p>')
    suggest(alice)
    remove(alice, posOf(alice, 'brown'), posOf(alice, 'brown', 'end'))
    applySuggestions(bob.state, bob.view.dispatch)
    expect(bob.getHTML()).toBe('<p>The quick fox.</p>') // a plain deletion would leave "quick  fox."
  })

  it('(lists) splitting a list item syncs as zero-width insertions, and reject all restores the list', () => {
    const { alice, bob } = pair('<ul><li><p>One</p></li><li><p>Two</p></li></ul>')
    const original = bob.getHTML() // with the empty paragraph Tiptap's trailing-node plugin adds after a list
    suggest(alice)
    alice.commands.setTextSelection(posOf(alice, 'One', 'end'))
    alice.commands.splitListItem('listItem')
    expect(bob.state.doc.child(0).childCount).toBe(3)
    expect(suggestionsIn(bob.state.doc)).toEqual([{ kind: 'insertion', id: 'alice#1', text: '¶¶' }])
    revertSuggestions(bob.state, bob.view.dispatch)
    expect(alice.getHTML()).toBe(original)
  })

  it('LIMITATION (lists): deleting across one’s own suggested list-item split leaves an empty item that reject all keeps', () => {
    const { alice, bob } = pair('<ul><li><p>One</p></li><li><p>Two</p></li></ul>')
    suggest(alice)
    alice.commands.setTextSelection(posOf(alice, 'One', 'end'))
    alice.commands.splitListItem('listItem')
    remove(alice, posOf(alice, 'ne'), posOf(alice, 'Two'))
    revertSuggestions(bob.state, bob.view.dispatch)
    // The anchors of the inserted item were really deleted (own insertion), so nothing marks the item any more.
    expect(alice.getHTML()).toBe('<ul><li><p>One</p></li><li><p></p></li><li><p>Two</p></li></ul><p></p>')
  })

  it('(tables) typing and deleting inside cells sync; accept and reject all work', () => {
    const { alice, bob } = pair(
      '<table><tbody><tr><td><p>Cell</p></td><td><p>Other</p></td></tr></tbody></table><p>After</p>',
    )
    const original = bob.getHTML()
    suggest(alice)
    type(alice, posOf(alice, 'Cell', 'end'), ' new')
    remove(alice, posOf(alice, 'Oth'), posOf(alice, 'Oth', 'end'))
    expect(suggestionsIn(bob.state.doc)).toEqual([
      { kind: 'insertion', id: 'alice#1', text: ' new' },
      { kind: 'deletion', id: 'alice#2', text: 'Oth' },
    ])
    const accepted = applyAll(schema.nodeFromJSON(bob.state.doc.toJSON()))
    expect(accepted.textBetween(0, accepted.content.size, '|')).toBe('Cell new|er|After')
    revertSuggestions(bob.state, bob.view.dispatch)
    expect(alice.getHTML()).toBe(original)
  })

  it('LIMITATION (tables): adding a row in suggest mode throws a TransformError and changes nothing', () => {
    const { alice, bob } = pair('<table><tbody><tr><td><p>Cell</p></td><td><p>Other</p></td></tr></tbody></table>')
    const original = bob.getHTML()
    suggest(alice)
    alice.commands.setTextSelection(posOf(alice, 'Cell'))
    expect(() => alice.commands.addRowAfter()).toThrow(/Invalid content for node table/)
    expect(alice.getHTML()).toBe(original)
    expect(bob.getHTML()).toBe(original)
  })

  it('(f) property: random typing and deleting in suggest mode; reject all gives the original, accept all the edit', () => {
    const original = 'The quick brown fox jumps.'
    type Op = { kind: 'insert'; at: number; text: string } | { kind: 'delete'; from: number; length: number }
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(60), text: fc.stringMatching(/^[a-z ]{1,3}$/) }),
      fc.record({ kind: fc.constant('delete' as const), from: fc.nat(60), length: fc.integer({ min: 1, max: 4 }) }),
    )
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 8 }), (ops) => {
        const { alice, bob } = pair(`<p>${original}</p>`)
        suggest(alice)
        let model = original
        for (const o of ops) {
          if (o.kind === 'insert') {
            const at = o.at % (model.length + 1)
            type(alice, visiblePos(alice, at), o.text)
            model = model.slice(0, at) + o.text + model.slice(at)
          } else {
            if (model.length === 0) continue
            const from = o.from % model.length
            const to = Math.min(model.length, from + o.length)
            remove(alice, visiblePos(alice, from), visiblePos(alice, to))
            model = model.slice(0, from) + model.slice(to)
          }
        }
        const accepted = schema.nodeFromJSON(bob.state.doc.toJSON())
        revertSuggestions(bob.state, bob.view.dispatch)
        expect(plain(bob)).toBe(original)
        expect(plain(alice)).toBe(original)
        const acceptedDoc = applyAll(accepted)
        // Accepting a deletion between two spaces also removes one space (commands.js): compare
        // with runs of spaces collapsed; the next test pins that behaviour down.
        const collapse = (text: string) => text.replace(/ +/g, ' ')
        expect(collapse(acceptedDoc.textContent.replace(/\u200B/g, ''))).toBe(collapse(model))
        for (const editor of editors.splice(0)) editor.destroy()
      }),
      { numRuns: 60 },
    )
  })
})

/**
 * Sketch of the server's suggest-only check (issue 17), as a pure function over ProseMirror docs:
 * an update by `author` is a suggestion when rejecting that author's suggestions gives the same
 * document before and after it. Everything else (text, marks, other authors' suggestions) must be
 * untouched; the author may add, extend, shrink or drop their own suggestions.
 */
function isSuggestOnlyChange(before: PMNode, after: PMNode, author: string): boolean {
  const rejectedBefore = rejectSuggestionsOf(before, author)
  const rejectedAfter = rejectSuggestionsOf(after, author)
  return rejectedBefore !== null && rejectedAfter !== null && rejectedAfter.eq(rejectedBefore)
}

/**
 * The document with `author`'s suggestions rejected: their insertions removed, their deletion
 * marks lifted (zero-width anchors the library added for them removed). Null when the author has
 * a modification mark (node attr/type changes), which this sketch does not revert.
 */
function rejectSuggestionsOf(doc: PMNode, author: string): PMNode | null {
  const ofAuthor = (id: unknown) => typeof id === 'string' && id.startsWith(`${author}:`)
  const insertions: { from: number; to: number }[] = []
  const removals: { from: number; to: number }[] = []
  const lifts: { from: number; to: number; isNode: boolean }[] = []
  let hasModification = false
  doc.descendants((node, pos) => {
    for (const mark of node.marks) {
      if (!ofAuthor(mark.attrs['id'])) continue
      const name = mark.type.name
      if (name === 'modification') hasModification = true
      const isAnchor = node.isText && /^\u200B+$/.test(node.text ?? '')
      if (name === 'insertion') {
        // An inserted block boundary is two anchors with only the boundary between them: removing
        // the range across it joins the blocks again, as the library's revert does.
        const last = insertions.at(-1)
        if (last && doc.textBetween(last.to, pos) === '' && sameDepth(doc, last.to, pos)) last.to = pos + node.nodeSize
        else insertions.push({ from: pos, to: pos + node.nodeSize })
        return false
      }
      if (name === 'deletion' && isAnchor) {
        removals.push({ from: pos, to: pos + node.nodeSize })
        return false
      }
      if (name === 'deletion') lifts.push({ from: pos, to: pos + node.nodeSize, isNode: !node.isInline })
    }
    return true
  })
  if (hasModification) return null
  removals.push(...insertions)
  removals.sort((x, y) => x.from - y.from)
  if (removals.length === 0 && lifts.length === 0) return doc
  const tr = new Transform(doc)
  const deletion = doc.type.schema.marks['deletion']
  if (!deletion) throw new Error('the schema has no deletion mark')
  for (const lift of lifts) {
    if (lift.isNode) tr.removeNodeMark(lift.from, deletion)
    else tr.removeMark(lift.from, lift.to, deletion)
  }
  for (const removal of removals.reverse()) tr.delete(removal.from, removal.to)
  return tr.doc
}

/** Both positions are in textblocks at one depth (so deleting between them joins two siblings). */
function sameDepth(doc: PMNode, a: number, b: number): boolean {
  const $a = doc.resolve(a)
  const $b = doc.resolve(b)
  return $a.parent.isTextblock && $b.parent.isTextblock && $a.depth === $b.depth
}

/** The editor's doc as the server would read it from the Y.Doc (no editor involved). */
function serverDocOf(ydoc: Y.Doc): PMNode {
  return yXmlFragmentToProseMirrorRootNode(ydoc.getXmlFragment(FIELD), schema)
}

describe('sketch: the server suggest-only check over two ProseMirror docs', () => {
  function scene(html: string, act: (alice: Editor, bob: Editor) => void) {
    const { alice, bob, a } = pair(html)
    suggest(alice)
    suggest(bob)
    const before = serverDocOf(a)
    act(alice, bob)
    return { before, after: serverDocOf(a), alice, a }
  }

  it('accepts A’s suggested insertion, deletion and bold for A, and for nobody else', () => {
    const { before, after } = scene('<p>The quick brown fox.</p>', (alice) => {
      type(alice, posOf(alice, 'quick'), 'very ')
      remove(alice, posOf(alice, 'brown '), posOf(alice, 'brown ', 'end'))
      alice.commands.setTextSelection({ from: posOf(alice, 'fox'), to: posOf(alice, 'fox', 'end') })
      alice.commands.toggleBold()
    })
    expect(isSuggestOnlyChange(before, after, 'alice')).toBe(true)
    expect(isSuggestOnlyChange(before, after, 'bob')).toBe(false)
  })

  it('accepts a paragraph split suggested by A (zero-width anchors included)', () => {
    const { before, after } = scene('<p>First second.</p>', (alice) => {
      alice.commands.setTextSelection(posOf(alice, ' second'))
      alice.commands.splitBlock()
    })
    expect(isSuggestOnlyChange(before, after, 'alice')).toBe(true)
  })

  it('refuses a plain edit, a forged author, and text removed while other text is marked deleted', () => {
    const plainEdit = scene('<p>The quick fox.</p>', (alice) => {
      alice.commands.command(({ tr }) => (tr.setMeta(suggestChangesKey, { skip: true }).insertText('X', 1), true))
    })
    expect(plainEdit.after.textContent).toBe('XThe quick fox.')
    expect(isSuggestOnlyChange(plainEdit.before, plainEdit.after, 'alice')).toBe(false)

    const insertion = schema.marks['insertion']
    const deletion = schema.marks['deletion']
    if (!insertion || !deletion) throw new Error('no suggestion marks')
    const before = schema.nodeFromJSON({
      type: 'doc',
      content: [{ type: 'paragraph', content: [{ type: 'text', text: 'The quick fox.' }] }],
    })
    const forged = new Transform(before).insert(1, schema.text('Hi ', [insertion.create({ id: 'bob:1' })])).doc
    expect(isSuggestOnlyChange(before, forged, 'alice')).toBe(false)
    const sneaky = new Transform(before).addMark(5, 10, deletion.create({ id: 'alice:1' })).delete(11, 14).doc
    expect(sneaky.textContent).toBe('The quick .')
    expect(isSuggestOnlyChange(before, sneaky, 'alice')).toBe(false)
  })

  it('LIMITATION: the library’s own edits inside B’s suggestion are refused for A (they change B’s suggestion)', () => {
    const {
      alice,
      a,
      after: withBobsSuggestion,
    } = scene('<p>The quick fox.</p>', (_, bob) => {
      type(bob, posOf(bob, 'fox'), 'big ')
    })
    remove(alice, posOf(alice, 'ig'), posOf(alice, 'ig', 'end'))
    expect(isSuggestOnlyChange(withBobsSuggestion, serverDocOf(a), 'alice')).toBe(false)
  })

  it('costs: a comment-role update on a 2,000-paragraph document (scratch copy, conversion, check)', () => {
    const paragraphs = Array.from({ length: 2000 }, (_, i) => ({
      type: 'paragraph',
      content: [
        { type: 'text', text: `Paragraph ${i}: the quick brown fox jumps over the lazy dog, again and again. ` },
        ...(i % 50 === 0
          ? [{ type: 'text', text: 'pending', marks: [{ type: 'insertion', attrs: { id: `bob:${i}` } }] }]
          : []),
      ],
    }))
    const live = prosemirrorJSONToYDoc(schema, { type: 'doc', content: paragraphs }, FIELD)
    // A's editor, caught up, suggests one word in paragraph 1000: that update is what arrives.
    const clientDoc = new Y.Doc()
    Y.applyUpdate(clientDoc, Y.encodeStateAsUpdate(live))
    const alice = editorOn(clientDoc, 'alice')
    suggest(alice)
    const updates: Uint8Array[] = []
    clientDoc.on('update', (update: Uint8Array) => updates.push(update))
    type(alice, posOf(alice, 'Paragraph 1000:', 'end'), ' new')
    const update = Y.mergeUpdates(updates)

    const t0 = performance.now()
    const scratch = new Y.Doc()
    Y.applyUpdate(scratch, Y.encodeStateAsUpdate(live))
    const t1 = performance.now()
    const before = serverDocOf(scratch)
    const t2 = performance.now()
    Y.applyUpdate(scratch, update)
    const after = serverDocOf(scratch)
    const t3 = performance.now()
    const ok = isSuggestOnlyChange(before, after, 'alice')
    const t4 = performance.now()
    expect(ok).toBe(true)
    expect(isSuggestOnlyChange(before, after, 'bob')).toBe(false)
    const ms = (x: number) => Math.round(x * 10) / 10
    console.log(
      `suggest-only check, 2,000 paragraphs (${Y.encodeStateAsUpdate(live).byteLength} bytes): ` +
        `scratch copy ${ms(t1 - t0)} ms, doc→PM ${ms(t2 - t1)} ms, update+doc→PM ${ms(t3 - t2)} ms, ` +
        `check ${ms(t4 - t3)} ms, total ${ms(t4 - t0)} ms; update ${update.byteLength} bytes`,
    )
    expect(t4 - t0).toBeLessThan(5000) // a loose ceiling on a shared CI machine; the figures are logged
  })
})

/** Accept all on a detached document (the library's command on a throwaway state). */
function applyAll(doc: PMNode): PMNode {
  let result = doc
  const state = { doc, schema, tr: new TransformWithTr(doc) } as unknown as Parameters<typeof applySuggestions>[0]
  applySuggestions(state, (tr) => (result = tr.doc))
  return result
}

/** Transform posing as a Transaction for commands that only step and set meta. */
class TransformWithTr extends Transform {
  setMeta(): this {
    return this
  }
}

/** PM position after `offset` characters of the first paragraph's text that is not suggested deleted. */
function visiblePos(editor: Editor, offset: number): number {
  const paragraph = editor.state.doc.child(0)
  let remaining = offset
  let result = 1 + paragraph.content.size
  let done = false
  paragraph.forEach((node, at) => {
    if (done) return
    const deleted = node.marks.some((m) => m.type.name === 'deletion')
    const text = node.text ?? ''
    if (deleted) return
    for (let i = 0; i < text.length; i++) {
      if (text[i] === '\u200B') continue
      if (remaining === 0) {
        result = 1 + at + i
        done = true
        return
      }
      remaining--
    }
    if (remaining === 0) {
      result = 1 + at + text.length
      done = true
    }
  })
  return result
}

function yUndoManagerOf(editor: Editor): Y.UndoManager {
  for (const plugin of editor.state.plugins) {
    const state = plugin.getState(editor.state) as { undoManager?: Y.UndoManager } | undefined
    if (state?.undoManager instanceof Y.UndoManager) return state.undoManager
  }
  throw new Error('no Yjs undo manager')
}
