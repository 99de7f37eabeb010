import { getSchema, type JSONContent } from '@tiptap/core'
import * as Y from 'yjs'
import { ChangeMarkName, changeMarks, type ChangeAuthor } from '../../shared/history/change-marks.js'
import { sanitizeContent } from '../content/sanitize-content.js'
import { DOCUMENT_FIELD, documentExtensions, documentSchema } from '../content/schema.js'
import { UNKNOWN_AUTHOR } from '../sync/author-name.js'
import type { Attribution, DeleteSet } from './attribution.js'

export interface VersionComparison {
  /**
   * The newer document as editor JSON, with what the older one had and the newer one lost kept in
   * place, and change marks (shared/history/change-marks.ts) on what was added, removed or
   * reformatted, each naming its author. Not yet sanitised: the caller does that with its schema.
   */
  doc: JSONContent
  /** Everyone who changed something, by name, most changes first. */
  authors: ChangeAuthor[]
}

type Mark = NonNullable<JSONContent['marks']>[number]
type Attrs = Record<string, unknown>
type Status = 'same' | 'added' | 'removed'

/**
 * Compares two states of one document: `older` and `newer` (both whole Yjs states, as versions
 * store them, the newer one descending from the older) and who made what (`attribution`, covering
 * at least the changes between them; null: every change is by UNKNOWN_AUTHOR).
 *
 * This is what y-prosemirror's snapshot rendering does (ySyncPlugin with `snapshot` and
 * `prevSnapshot`), done on stored states instead of a live editor: both states are merged into one
 * Y.Doc that keeps deleted content (gc off; the older state still holds the text the newer one
 * deleted, even when the server's garbage collection has dropped it since), and each item is shown
 * as added, removed or kept by whether it is visible in the older snapshot, the newer, or both.
 * Unlike y-prosemirror, formatting is compared too (the formats in force at each snapshot), and
 * the authors come from the server's attribution rather than PermanentUserData, which would have
 * to live inside the document and be written by the clients themselves.
 */
export function compareStates(
  older: Uint8Array,
  newer: Uint8Array,
  attribution: Attribution | null,
): VersionComparison {
  const doc = new Y.Doc({ gc: false })
  try {
    Y.applyUpdate(doc, older)
    const then = Y.snapshot(doc)
    // The newer state after the older: its items that are already here are skipped, so content
    // the newer state only has as garbage-collected placeholders keeps its text from the older one.
    Y.applyUpdate(doc, newer)
    const now = Y.snapshot(doc)
    let result: VersionComparison | undefined
    doc.transact((transaction) => {
      splitAt(transaction, [then.ds, now.ds, ...(attribution?.deleted.values() ?? [])], [then.sv])
      const walker = new ComparisonWalker(then, now, attribution)
      const content = walker.children(doc.getXmlFragment(DOCUMENT_FIELD))
      result = { doc: { type: 'doc', content }, authors: walker.authors() }
    })
    return result as VersionComparison
  } finally {
    doc.destroy()
  }
}

/** The document schema with the change marks: what a comparison may hold. */
const comparisonSchema = getSchema([...documentExtensions(), ...changeMarks()])

/** compareStates, its document sanitised like every export (sanitize-content.ts): ready to send. */
export function compareForDisplay(
  older: Uint8Array,
  newer: Uint8Array,
  attribution: Attribution | null,
): VersionComparison {
  const comparison = compareStates(older, newer, attribution)
  return { ...comparison, doc: sanitizeContent(comparison.doc, comparisonSchema, { keepMarksTheParentRefuses: true }) }
}

/**
 * Splits items where a snapshot or a delete set starts or ends, so each item is wholly in or out
 * of each. Done inside the comparison's transaction: Yjs merges split items back when it ends.
 */
function splitAt(transaction: Y.Transaction, deleteSets: DeleteSet[], stateVectors: Map<number, number>[]): void {
  const store = transaction.doc.store
  const splitBefore = (client: number, clock: number) => {
    if (clock > 0 && clock < Y.getState(store, client)) Y.getItemCleanStart(transaction, Y.createID(client, clock))
  }
  for (const sv of stateVectors) for (const [client, clock] of sv) splitBefore(client, clock)
  for (const ds of deleteSets) {
    for (const [client, ranges] of ds.clients) {
      for (const range of ranges) {
        splitBefore(client, range.clock)
        splitBefore(client, range.clock + range.len)
      }
    }
  }
}

function isVisible(item: Y.Item, snapshot: Y.Snapshot): boolean {
  return (snapshot.sv.get(item.id.client) ?? 0) > item.id.clock && !Y.isDeleted(snapshot.ds, item.id)
}

/** y-prosemirror names overlapping marks of one type `name--<hash>`. */
const markName = (attribute: string) => /^(.*)--[a-zA-Z0-9+/=]{8}$/.exec(attribute)?.[1] ?? attribute

function marksOf(attributes: Map<string, unknown>): Mark[] {
  const marks: Mark[] = []
  for (const [key, value] of attributes) {
    if (value === null || value === undefined) continue
    const mark: Mark = { type: markName(key) }
    if (typeof value === 'object' && Object.keys(value).length > 0) mark.attrs = value as Attrs
    marks.push(mark)
  }
  return marks
}

const sameValue = (a: unknown, b: unknown) => a === b || JSON.stringify(a) === JSON.stringify(b)

class ComparisonWalker {
  private readonly counts = new Map<string, ChangeAuthor>()
  /** The change the previous text run belonged to, so one edit split by formatting counts once. */
  private lastChange: string | null = null

  constructor(
    private readonly then: Y.Snapshot,
    private readonly now: Y.Snapshot,
    private readonly attribution: Attribution | null,
  ) {}

  authors(): ChangeAuthor[] {
    const total = (a: ChangeAuthor) => a.insertions + a.deletions + a.formatChanges
    return [...this.counts.values()].sort((a, b) => total(b) - total(a) || a.name.localeCompare(b.name))
  }

  /** The children of an element or the root, each as it is now (or as it was, when removed). */
  children(parent: Y.XmlFragment | Y.XmlElement): JSONContent[] {
    const content: JSONContent[] = []
    for (let item = parent._start; item !== null; item = item.right) {
      const status = this.statusOf(item)
      if (status === null || !(item.content instanceof Y.ContentType)) continue
      const type = item.content.type
      if (type instanceof Y.XmlText) content.push(...this.text(type))
      else if (type instanceof Y.XmlElement) content.push(this.element(type, item, status))
    }
    return content
  }

  private element(element: Y.XmlElement, item: Y.Item, status: Status): JSONContent {
    this.lastChange = null
    const node: JSONContent = { type: element.nodeName }
    const attrs = element.getAttributes(status === 'removed' ? this.then : this.now)
    if (Object.keys(attrs).length > 0) node.attrs = attrs
    const children = this.children(element)
    if (children.length > 0) node.content = children
    // A node with no text of its own (a line break, an image, an empty paragraph) is a change of
    // its own; an inline one carries the change mark (a block node cannot hold marks).
    if (children.length === 0 && status !== 'same') {
      const mark = this.changeMark(status === 'added' ? 'insertion' : 'deletion', item)
      if (documentSchema.nodes[element.nodeName]?.isInline) node.marks = [mark]
    }
    this.lastChange = null
    return node
  }

  /** The runs of one text node: kept, added, removed or reformatted, each with its marks. */
  private text(text: Y.XmlText): JSONContent[] {
    const runs: JSONContent[] = []
    const formatThen = new Map<string, unknown>()
    const formatNow = new Map<string, unknown>()
    /** The format items in force now and then, by key: who set or cleared a format is their author. */
    const setterNow = new Map<string, Y.Item>()
    const setterThen = new Map<string, Y.Item>()
    for (let item = text._start; item !== null; item = item.right) {
      const content = item.content
      if (content instanceof Y.ContentFormat) {
        if (isVisible(item, this.then)) {
          formatThen.set(content.key, content.value)
          setterThen.set(content.key, item)
        }
        if (isVisible(item, this.now)) {
          formatNow.set(content.key, content.value)
          setterNow.set(content.key, item)
        }
        continue
      }
      if (!(content instanceof Y.ContentString)) continue
      const status = this.statusOf(item)
      if (status === null) continue
      const marks = marksOf(status === 'removed' ? formatThen : formatNow)
      if (status === 'added') marks.push(this.changeMark('insertion', item))
      else if (status === 'removed') marks.push(this.changeMark('deletion', item))
      else {
        const keys = new Set([...formatThen.keys(), ...formatNow.keys()])
        const changed = [...keys].filter((key) => !sameValue(formatThen.get(key) ?? null, formatNow.get(key) ?? null))
        if (changed.length > 0) marks.push(this.formatMark(changed, formatThen, formatNow, setterThen, setterNow))
        else this.lastChange = null
      }
      appendRun(runs, content.str, marks)
    }
    this.lastChange = null
    return runs
  }

  /** Visible then and now, only now, only then, or in neither (added and removed in between). */
  private statusOf(item: Y.Item): Status | null {
    const wasVisible = isVisible(item, this.then)
    const isVisibleNow = isVisible(item, this.now)
    if (wasVisible && isVisibleNow) return 'same'
    if (isVisibleNow) return 'added'
    if (wasVisible) return 'removed'
    return null
  }

  private changeMark(kind: 'insertion' | 'deletion', item: Y.Item): Mark {
    const authorName = kind === 'insertion' ? this.inserter(item) : this.deleter(item)
    this.count(kind, authorName)
    return {
      type: kind === 'insertion' ? ChangeMarkName.Insertion : ChangeMarkName.Deletion,
      attrs: { authorName },
    }
  }

  private formatMark(
    keys: string[],
    formatThen: Map<string, unknown>,
    formatNow: Map<string, unknown>,
    setterThen: Map<string, Y.Item>,
    setterNow: Map<string, Y.Item>,
  ): Mark {
    const has = (format: Map<string, unknown>, key: string) => (format.get(key) ?? null) !== null
    const added = keys.filter((key) => has(formatNow, key)).map(markName)
    const removed = keys.filter((key) => has(formatThen, key) && !has(formatNow, key)).map(markName)
    // Who set the format in force now (a new format item), or else who deleted the one in force then.
    const key = keys[0] as string
    const setNow = setterNow.get(key)
    const setThen = setterThen.get(key)
    const authorName =
      setNow && !isVisible(setNow, this.then) ? this.inserter(setNow) : setThen ? this.deleter(setThen) : UNKNOWN_AUTHOR
    this.count('format', authorName)
    return { type: ChangeMarkName.Format, attrs: { authorName, added: added.join(','), removed: removed.join(',') } }
  }

  private inserter(item: Y.Item): string {
    return this.attribution?.inserted.get(item.id.client) ?? UNKNOWN_AUTHOR
  }

  private deleter(item: Y.Item): string {
    for (const [author, ds] of this.attribution?.deleted ?? []) if (Y.isDeleted(ds, item.id)) return author
    return UNKNOWN_AUTHOR
  }

  private count(kind: 'insertion' | 'deletion' | 'format', authorName: string): void {
    const change = `${kind}\u0000${authorName}`
    if (change === this.lastChange) return
    this.lastChange = change
    let author = this.counts.get(authorName)
    if (!author) {
      const color = this.attribution?.colors.get(authorName) ?? null
      author = { name: authorName, color, insertions: 0, deletions: 0, formatChanges: 0 }
      this.counts.set(authorName, author)
    }
    if (kind === 'insertion') author.insertions++
    else if (kind === 'deletion') author.deletions++
    else author.formatChanges++
  }
}

/** Adds text, joined to the previous run when the marks are the same. */
function appendRun(runs: JSONContent[], text: string, marks: Mark[]): void {
  const last = runs.at(-1)
  if (last && sameValue(last.marks ?? [], marks)) {
    last.text += text
    return
  }
  runs.push(marks.length > 0 ? { type: 'text', text, marks } : { type: 'text', text })
}
