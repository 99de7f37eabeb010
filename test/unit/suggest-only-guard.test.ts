import type { Node as PMNode } from '@tiptap/pm/model'
import { Transform } from '@tiptap/pm/transform'
import {
  prosemirrorJSONToYDoc,
  prosemirrorJSONToYXmlFragment,
  yXmlFragmentToProseMirrorRootNode,
} from '@tiptap/y-tiptap'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { DOCUMENT_FIELD, documentSchema } from '../../server/content/schema.js'
import { SuggestOnlyGuard } from '../../server/sync/suggest-only-guard.js'

/** The shadow-copy bookkeeping of the suggest-only check (the transports are test/integration/suggest-only). */

const limits = { maxAttributeChars: 32 * 1024 }
const insertion = documentSchema.marks['insertion']!
const by = (author: string, n = 1) => ({ id: `${author}:${n}`, author, authorName: author, at: 1 })

function liveDoc(...texts: string[]): Y.Doc {
  return prosemirrorJSONToYDoc(
    documentSchema,
    { type: 'doc', content: texts.map((text) => ({ type: 'paragraph', content: [{ type: 'text', text }] })) },
    DOCUMENT_FIELD,
  )
}

/** The update an editor bound to `base` makes when it turns the document into `edit(doc)`. */
function update(base: Y.Doc, edit: (doc: PMNode) => PMNode): Uint8Array {
  const copy = new Y.Doc()
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(base))
  const fragment = copy.getXmlFragment(DOCUMENT_FIELD)
  prosemirrorJSONToYXmlFragment(
    documentSchema,
    edit(yXmlFragmentToProseMirrorRootNode(fragment, documentSchema)).toJSON(),
    fragment,
  )
  return Y.encodeStateAsUpdate(copy, Y.encodeStateVector(base))
}

/** Position just after `text` in the document (within one paragraph, across marks). */
function after(doc: PMNode, text: string): number {
  let found = -1
  doc.descendants((node, pos) => {
    const at = node.isTextblock ? node.textContent.indexOf(text) : -1
    if (found < 0 && at >= 0) found = pos + 1 + at + text.length
    return !node.isTextblock
  })
  if (found < 0) throw new Error(`no "${text}"`)
  return found
}

const suggest =
  (text: string, where: string, author = 'alice', n = 1) =>
  (doc: PMNode) =>
    new Transform(doc).insert(after(doc, where), documentSchema.text(text, [insertion.create(by(author, n))])).doc

function judgeAndApply(guard: SuggestOnlyGuard, live: Y.Doc, bytes: Uint8Array, author: string | null) {
  const verdict = guard.judge(bytes, author, limits)
  if (verdict.isAllowed) Y.applyUpdate(live, bytes)
  return verdict
}

const text = (doc: Y.Doc) =>
  yXmlFragmentToProseMirrorRootNode(doc.getXmlFragment(DOCUMENT_FIELD), documentSchema).textContent

describe('SuggestOnlyGuard', () => {
  it('after a refusal, judges the next updates against the live document, not the refused one', () => {
    const live = liveDoc('One.', 'Two.', 'Three.')
    const guard = new SuggestOnlyGuard(live)
    expect(judgeAndApply(guard, live, update(live, suggest(' a', 'One')), 'alice').isAllowed).toBe(true)
    const vandalism = update(live, (doc) => new Transform(doc).insert(after(doc, 'Tw'), documentSchema.text('X')).doc)
    expect(guard.judge(vandalism, 'alice', limits).isAllowed).toBe(false)
    // Built on the live document (without the X): allowed, in the refused block and elsewhere.
    expect(judgeAndApply(guard, live, update(live, suggest(' b', 'Two')), 'alice').isAllowed).toBe(true)
    expect(judgeAndApply(guard, live, update(live, suggest(' c', 'Three', 'alice', 2)), 'alice').isAllowed).toBe(true)
    expect(text(live)).toBe('One a.Two b.Three c.')
    guard.dispose()
  })

  it('follows the live document: an editor’s change is part of what the next update is judged against', () => {
    const live = liveDoc('One.', 'Two.')
    const guard = new SuggestOnlyGuard(live)
    expect(judgeAndApply(guard, live, update(live, suggest(' a', 'One')), 'alice').isAllowed).toBe(true)
    const editor = update(
      live,
      (doc) => new Transform(doc).insert(after(doc, 'Two'), documentSchema.text(' edited')).doc,
    )
    Y.applyUpdate(live, editor)
    // A commenter who suggests and also deletes the editor's new text: refused.
    const undoing = update(live, (doc) =>
      suggest(' b', 'One a')(new Transform(doc).delete(after(doc, 'Two'), after(doc, 'Two edited')).doc),
    )
    expect(guard.judge(undoing, 'alice', limits).isAllowed).toBe(false)
    expect(judgeAndApply(guard, live, update(live, suggest(' b', 'Two edited')), 'alice').isAllowed).toBe(true)
    expect(text(live)).toBe('One a.Two edited b.')
    guard.dispose()
  })

  it('a connection with no author yet: its update names the author; withdrawing one’s own suggestion names it too', () => {
    const live = liveDoc('One.')
    const guard = new SuggestOnlyGuard(live)
    expect(judgeAndApply(guard, live, update(live, suggest(' a', 'One', 'guest')), null)).toEqual({
      isAllowed: true,
      author: 'guest',
    })
    // A new connection (no author pinned) deletes guest's insertion: allowed as guest's.
    const withdrawn = update(live, (doc) => new Transform(doc).delete(after(doc, 'One'), after(doc, 'One a')).doc)
    expect(judgeAndApply(guard, live, withdrawn, null)).toEqual({ isAllowed: true, author: 'guest' })
    expect(text(live)).toBe('One.')
    // Nothing named, something changed: refused.
    expect(
      guard.judge(
        update(live, (doc) => new Transform(doc).insert(1, documentSchema.text('!')).doc),
        null,
        limits,
      ).isAllowed,
    ).toBe(false)
    guard.dispose()
  })

  it('allows the empty paragraph an editor adds at the end by itself, and nothing more', () => {
    const live = prosemirrorJSONToYDoc(
      documentSchema,
      {
        type: 'doc',
        content: [
          { type: 'paragraph', content: [{ type: 'text', text: 'Tasks:' }] },
          { type: 'bulletList', content: [{ type: 'listItem', content: [{ type: 'paragraph' }] }] },
        ],
      },
      DOCUMENT_FIELD,
    )
    const guard = new SuggestOnlyGuard(live)
    const trailing = update(
      live,
      (doc) => new Transform(doc).insert(doc.content.size, documentSchema.node('paragraph')).doc,
    )
    expect(judgeAndApply(guard, live, trailing, 'alice')).toEqual({ isAllowed: true, author: 'alice' })
    const text = update(
      live,
      (doc) =>
        new Transform(doc).insert(doc.content.size, documentSchema.node('paragraph', null, documentSchema.text('x')))
          .doc,
    )
    expect(guard.judge(text, 'alice', limits).isAllowed).toBe(false)
    guard.dispose()
  })

  it('refuses an attribute the node or mark does not have and an update that depends on changes the document lacks', () => {
    const live = liveDoc('One.')
    const guard = new SuggestOnlyGuard(live)
    const copy = new Y.Doc()
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(live))
    const before = Y.encodeStateVector(copy)
    ;(copy.getXmlFragment(DOCUMENT_FIELD).get(0) as Y.XmlElement).setAttribute('onclick', 'alert(1)')
    const attribute = Y.encodeStateAsUpdate(copy, before)
    expect(guard.judge(attribute, 'alice', limits)).toEqual({
      isAllowed: false,
      reason: 'it sets an attribute the paragraph node does not have',
    })
    const markCopy = new Y.Doc()
    Y.applyUpdate(markCopy, Y.encodeStateAsUpdate(live))
    const markBefore = Y.encodeStateVector(markCopy)
    const markText = (markCopy.getXmlFragment(DOCUMENT_FIELD).get(0) as Y.XmlElement).get(0) as Y.XmlText
    markText.insert(0, 'x', { insertion: { ...by('alice'), payload: 'hidden' } })
    expect(guard.judge(Y.encodeStateAsUpdate(markCopy, markBefore), 'alice', limits)).toEqual({
      isAllowed: false,
      reason: 'it sets an attribute the insertion mark does not have',
    })
    // Two suggestions in a row; the second alone cannot be integrated without the first.
    const first = update(live, suggest(' a', 'One'))
    const withFirst = new Y.Doc()
    Y.applyUpdate(withFirst, Y.encodeStateAsUpdate(live))
    Y.applyUpdate(withFirst, first)
    const second = update(withFirst, suggest('b', 'One a'))
    expect(guard.judge(second, 'alice', limits)).toEqual({
      isAllowed: false,
      reason: 'it depends on changes this document does not have',
    })
    expect(judgeAndApply(guard, live, first, 'alice').isAllowed).toBe(true)
    expect(judgeAndApply(guard, live, second, 'alice').isAllowed).toBe(true)
    expect(text(live)).toBe('One ab.')
    guard.dispose()
  })
})
