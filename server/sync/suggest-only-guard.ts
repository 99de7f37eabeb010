import { Fragment, type Node as PMNode } from '@tiptap/pm/model'
import { Transform } from '@tiptap/pm/transform'
import { yXmlFragmentToProseMirrorFragment } from '@tiptap/y-tiptap'
import * as Y from 'yjs'
import { errorMessage } from '../../shared/errors.js'
import { SUGGESTION_MARK_NAMES } from '../../shared/suggestions/suggestion-marks.js'
import { rejectSuggestions } from '../../shared/suggestions/suggestions.js'
import { DOCUMENT_FIELD, documentSchema } from '../content/schema.js'
import { applyValidatedUpdate, type UpdateLimits } from './update-guard.js'

/**
 * The server's suggest-only check (issue 17, docs/design/suggestions.md "Server check"): a
 * comment-role update is applied to a shadow copy of the room's document first, and allowed only
 * if it changes nothing but suggestions of its author. Test: reject that author's suggestions in
 * the ProseMirror document before and after the update; the two results must be equal. A plain
 * edit, a forged author, text removed while other text is marked deleted, or any change to someone
 * else's suggestion leaves a difference.
 *
 * The shadow is kept (updated with every change the live document takes) and rebuilt only after a
 * refusal, since it then holds the refused change; the ProseMirror form of the shadow is kept too,
 * block by block, and only the top-level blocks a transaction touched are converted again. The
 * steady cost per update is then proportional to the edit plus one pass over the document for the
 * rejection and comparison (figures in the design note).
 */

/** Any shared type (y-tiptap's and the fragment's child types differ in their event type only). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type YType = Y.AbstractType<any>

/** What the check decided about one update. */
export type SuggestOnlyVerdict =
  | {
      isAllowed: true
      /** The author whose suggestions the update changes (null: it changes nothing at all). */
      author: string | null
    }
  | { isAllowed: false; reason: string }

/**
 * A connection with no author yet is judged for at most this many candidate authors per update
 * (its own, plus others' whose suggestions sit in the blocks it changed): each costs a comparison.
 */
const MAX_CANDIDATE_AUTHORS = 8

/** Mark names whose formatting attribute in Yjs carries a suggestion's attrs. */
const suggestionMarkKeys = new Set(SUGGESTION_MARK_NAMES)

export class SuggestOnlyGuard {
  private shadow: Y.Doc | null = null
  /**
   * The shadow's top-level blocks as ProseMirror nodes, by their Yjs item id (the same in a rebuilt
   * shadow, so a rebuild after a refusal converts only the blocks the refused update touched);
   * dropped when a transaction touches them.
   */
  private blocks = new Map<string, PMNode>()
  /** The shadow as a ProseMirror document, while nothing changed it since. */
  private current: PMNode | null = null

  constructor(private readonly live: Y.Doc) {
    live.on('update', this.mirror)
  }

  /**
   * Applies `update` to the shadow and judges it. `author` is who the update must speak for (a
   * verified person, or the author the connection pinned earlier); null lets the update name its
   * author, among the few its suggestion marks carry. Throws SyncError for an update that cannot be
   * decoded or applied (as for any client), after which the shadow is rebuilt.
   */
  judge(update: Uint8Array, author: string | null, limits: UpdateLimits): SuggestOnlyVerdict {
    const shadow = this.ensureShadow()
    const before = this.document(shadow)
    // A copy: applying the update drops the touched blocks from `this.blocks`.
    const blocksBefore = new Map(this.blocks)
    const transactions: Y.Transaction[] = []
    const capture = (tr: Y.Transaction) => void transactions.push(tr)
    shadow.on('afterTransaction', capture)
    try {
      applyValidatedUpdate(shadow, update, null, limits)
    } catch (error) {
      if (transactions.length > 0) this.rebuildShadow(blocksBefore)
      throw error
    } finally {
      shadow.off('afterTransaction', capture)
    }
    const verdict = this.verdict(shadow, transactions[0], { doc: before, blocks: blocksBefore }, author)
    if (!verdict.isAllowed) this.rebuildShadow(blocksBefore)
    return verdict
  }

  /** Stops following the live document (the room's last comment-role client left). */
  dispose(): void {
    this.live.off('update', this.mirror)
    this.shadow?.destroy()
    this.shadow = null
    this.blocks = new Map()
    this.current = null
  }

  private verdict(
    shadow: Y.Doc,
    transaction: Y.Transaction | undefined,
    before: { doc: PMNode; blocks: ReadonlyMap<string, PMNode> },
    author: string | null,
  ): SuggestOnlyVerdict {
    if (!transaction) return { isAllowed: true, author }
    const store = shadow.store
    if (store.pendingStructs !== null || store.pendingDs !== null) {
      return refused('it depends on changes this document does not have')
    }
    const outside = touchedOutsideDocument(shadow, transaction)
    if (outside) return refused(outside)
    let after: PMNode
    try {
      after = this.document(shadow)
    } catch (error) {
      return refused(`the document it leaves is not valid: ${errorMessage(error)}`)
    }
    const candidates = author === null ? this.candidateAuthors(shadow, transaction, before.blocks) : [author]
    if (candidates.length === 0) {
      return isSameContent(after, before.doc) ? { isAllowed: true, author } : refused('it is not a suggestion')
    }
    for (const candidate of candidates) {
      if (changesOnlySuggestionsOf(before.doc, after, candidate)) return { isAllowed: true, author: candidate }
    }
    return refused(
      author === null
        ? 'it changes more than its author’s suggestions'
        : `it changes more than ${author}’s suggestions`,
    )
  }

  /**
   * Whom an update of a connection with no author yet may speak for: the authors its suggestion
   * marks name first, then those with suggestions in the blocks it changed (removing one's own
   * earlier suggestion names nobody). At most MAX_CANDIDATE_AUTHORS: each costs a comparison.
   */
  private candidateAuthors(
    shadow: Y.Doc,
    transaction: Y.Transaction,
    blocksBefore: ReadonlyMap<string, PMNode>,
  ): string[] {
    const authors = new Set(authorsNamedIn(shadow, transaction))
    const touched: PMNode[] = []
    for (const [element, node] of blocksBefore) if (this.blocks.get(element) !== node) touched.push(node)
    for (const [element, node] of this.blocks) if (blocksBefore.get(element) !== node) touched.push(node)
    for (const node of touched) {
      node.descendants((child) => {
        for (const mark of child.marks) {
          const markAuthor: unknown = mark.attrs['author']
          if (suggestionMarkKeys.has(mark.type.name) && typeof markAuthor === 'string') authors.add(markAuthor)
        }
      })
    }
    return [...authors].slice(0, MAX_CANDIDATE_AUTHORS)
  }

  private ensureShadow(): Y.Doc {
    if (this.shadow) return this.shadow
    const shadow = new Y.Doc()
    Y.applyUpdate(shadow, Y.encodeStateAsUpdate(this.live))
    shadow.on('afterTransaction', this.forgetTouchedBlocks)
    this.shadow = shadow
    return shadow
  }

  /**
   * After a refusal (or an update that failed half-way) the shadow holds what the live document
   * does not: built again at once, so no change of the live document goes unmirrored meanwhile.
   * The blocks converted before the update stay, but for those it touched.
   */
  private rebuildShadow(blocksBefore: ReadonlyMap<string, PMNode>): void {
    const untouched = new Map<string, PMNode>()
    for (const [key, node] of blocksBefore) if (this.blocks.get(key) === node) untouched.set(key, node)
    this.blocks = untouched
    this.shadow?.destroy()
    this.shadow = null
    this.current = null
    this.ensureShadow()
  }

  /** The live document changed (any origin, including an update this guard allowed): the shadow follows. */
  private readonly mirror = (update: Uint8Array): void => {
    if (!this.shadow) return
    try {
      Y.applyUpdate(this.shadow, update)
    } catch {
      // The live document took it, so this cannot happen; if it does, start again from the live one.
      this.blocks = new Map()
      this.rebuildShadow(this.blocks)
    }
  }

  /** Drops the converted form of every top-level block the transaction touched. */
  private readonly forgetTouchedBlocks = (transaction: Y.Transaction): void => {
    if (transaction.changed.size === 0 && transaction.deleteSet.clients.size === 0) return
    this.current = null
    const fragment = transaction.doc.getXmlFragment(DOCUMENT_FIELD)
    for (const type of transaction.changed.keys()) {
      const block = topLevelBlockOf(type, fragment)
      if (block) this.blocks.delete(blockKey(block))
    }
  }

  /**
   * The shadow as a ProseMirror document, reusing the blocks no transaction touched. y-tiptap
   * converts a fragment through its `toArray()` alone, so one block converts as a one-element list.
   */
  private document(shadow: Y.Doc): PMNode {
    if (this.current) return this.current
    const fragment = shadow.getXmlFragment(DOCUMENT_FIELD)
    const elements = fragment.toArray()
    if (this.blocks.size === 0) this.convertAll(fragment, elements)
    const blocks = new Map<string, PMNode>()
    const nodes: PMNode[] = []
    for (const element of elements) {
      const key = blockKey(element)
      let node = this.blocks.get(key)
      if (!node && element instanceof Y.XmlElement) {
        node = yXmlFragmentToProseMirrorFragment({ toArray: () => [element] } as Y.XmlFragment, documentSchema)
          .firstChild as PMNode | undefined
      }
      if (!node) continue
      blocks.set(key, node)
      nodes.push(node)
    }
    this.blocks = blocks
    // Not checked against the schema's content rules: the comparison asks what changed, not whether
    // the document is well formed (y-tiptap already dropped what the schema cannot build).
    const doc = documentSchema.topNodeType.create(null, Fragment.fromArray(nodes))
    this.current = doc
    return doc
  }

  /**
   * Nothing converted yet: the whole fragment in one call is about twice as fast as block by block.
   * Its blocks are kept only when none was dropped (so they line up with the elements).
   */
  private convertAll(fragment: Y.XmlFragment, elements: readonly YType[]): void {
    let converted: Fragment
    try {
      converted = yXmlFragmentToProseMirrorFragment(fragment, documentSchema)
    } catch {
      return // a top-level child that is no element: block by block skips it
    }
    if (converted.childCount !== elements.length) return
    elements.forEach((element, i) => this.blocks.set(blockKey(element), converted.child(i)))
  }
}

/** True when rejecting `author`'s suggestions gives the same document before and after. */
export function changesOnlySuggestionsOf(before: PMNode, after: PMNode, author: string): boolean {
  const ofAuthor = (attrs: { author: unknown }) => attrs.author === author
  try {
    const rejectedBefore = rejectSuggestions(new Transform(before), ofAuthor).doc
    const rejectedAfter = rejectSuggestions(new Transform(after), ofAuthor).doc
    return isSameContent(rejectedAfter, rejectedBefore)
  } catch {
    // Rejecting could not be done on this structure (a step the schema refuses): not provably a suggestion.
    return false
  }
}

/**
 * Equal documents, but for empty paragraphs at the end: editors add one by themselves (an empty
 * document gets one, and Tiptap's trailing node puts one after a final list, table or heading),
 * in a comment-role editor too, and it carries no one's content.
 */
function isSameContent(a: PMNode, b: PMNode): boolean {
  return a.eq(b) || withoutTrailingEmptyParagraphs(a).eq(withoutTrailingEmptyParagraphs(b))
}

function withoutTrailingEmptyParagraphs(doc: PMNode): PMNode {
  let end = doc.childCount
  while (end > 0) {
    const last = doc.child(end - 1)
    if (last.type.name !== 'paragraph' || last.content.size > 0) break
    end--
  }
  if (end === doc.childCount) return doc
  let size = 0
  for (let i = 0; i < end; i++) size += doc.child(i).nodeSize
  return doc.copy(doc.content.cut(0, size))
}

function refused(reason: string): SuggestOnlyVerdict {
  return { isAllowed: false, reason }
}

/** A top-level block's identity across copies of the document: its Yjs item id. */
function blockKey(block: YType): string {
  const id = block._item?.id
  return id ? `${id.client}:${id.clock}` : ''
}

/** The child of `fragment` that holds `type` (or is it); null for the fragment itself or another root. */
function topLevelBlockOf(type: YType, fragment: Y.XmlFragment): YType | null {
  let current = type
  for (;;) {
    const parent = current._item?.parent
    if (!(parent instanceof Y.AbstractType)) return null
    if (parent === fragment) return current
    current = parent
  }
}

/** The root shared type `type` lives in. */
function rootOf(type: YType): YType {
  let current = type
  while (current._item?.parent instanceof Y.AbstractType) current = current._item.parent
  return current
}

/**
 * Why the transaction may not stand, if it reaches beyond the document's content: an item in or
 * removed from another shared type (only the document fragment is the comment role's to suggest
 * in), a key set on the fragment itself, or a node or mark attribute the schema does not know
 * (invisible to the comparison, so it would be stored unchecked).
 */
function touchedOutsideDocument(doc: Y.Doc, transaction: Y.Transaction): string | null {
  const fragment = doc.getXmlFragment(DOCUMENT_FIELD)
  const check = (item: Y.Item): string | null => {
    const parent = item.parent
    if (!(parent instanceof Y.AbstractType) || rootOf(parent) !== fragment) {
      return 'it changes shared data other than the document'
    }
    if (item.content instanceof Y.ContentFormat) return unknownMarkAttribute(item.content)
    if (item.parentSub === null) return null
    if (parent === fragment) return 'it sets a key on the document itself'
    if (parent instanceof Y.XmlElement) {
      const nodeType = documentSchema.nodes[parent.nodeName]
      if (!nodeType || !(item.parentSub in (nodeType.spec.attrs ?? {}))) {
        return `it sets an attribute the ${parent.nodeName} node does not have`
      }
      return null
    }
    return 'it sets a key the document does not use'
  }
  let reason: string | null = null
  forEachInsertedItem(doc, transaction, (item) => (reason ??= check(item)))
  if (reason) return reason
  Y.iterateDeletedStructs(transaction, transaction.deleteSet, (struct) => {
    if (!reason && struct instanceof Y.Item) reason = check(struct)
  })
  return reason
}

/**
 * A format the schema has no mark for drops its text from the ProseMirror reading (so the
 * comparison sees a change), but an attribute a mark does not have is dropped silently: refused.
 */
function unknownMarkAttribute(format: Y.ContentFormat): string | null {
  const markType = documentSchema.marks[format.key.split('--')[0] ?? '']
  const value: unknown = format.value
  if (!markType || value === null || typeof value !== 'object') return null
  const known = markType.spec.attrs ?? {}
  const unknown = Object.keys(value).find((key) => !(key in known))
  return unknown === undefined ? null : `it sets an attribute the ${markType.name} mark does not have`
}

/** Every item the transaction added to the document, whatever its parent. */
function forEachInsertedItem(doc: Y.Doc, transaction: Y.Transaction, visit: (item: Y.Item) => void): void {
  for (const [client, afterClock] of transaction.afterState) {
    const beforeClock = transaction.beforeState.get(client) ?? 0
    if (afterClock <= beforeClock) continue
    const structs = doc.store.clients.get(client)
    if (!structs) continue
    for (let i = Y.findIndexSS(structs, beforeClock); i < structs.length; i++) {
      const struct = structs[i]
      if (struct instanceof Y.Item) visit(struct)
    }
  }
}

/** The distinct `author`s of the suggestion marks the transaction formats text with. */
function authorsNamedIn(doc: Y.Doc, transaction: Y.Transaction): string[] {
  const authors = new Set<string>()
  forEachInsertedItem(doc, transaction, (item) => {
    const content = item.content
    // y-tiptap keys a mark that may overlap its own kind as `<name>--<hash>`.
    if (!(content instanceof Y.ContentFormat) || !suggestionMarkKeys.has(content.key.split('--')[0] ?? '')) return
    const value = content.value as { author?: unknown } | null
    if (value && typeof value.author === 'string') authors.add(value.author)
  })
  return [...authors]
}
