import type { EditorState } from '@tiptap/pm/state'
import { absolutePositionToRelativePosition, ySyncPluginKey } from '@tiptap/y-tiptap'
import { fromBase64, toBase64 } from 'lib0/buffer'
import * as Y from 'yjs'
import { MAX_THREAD_QUOTE_CHARS, type ThreadAnchor } from '../../shared/comments.js'
import type { ThreadPlace } from './threads-api.js'

/**
 * Thread anchors as Yjs relative positions, so a thread follows its text through everyone's
 * concurrent edits (ProseMirror offsets would drift with the first remote keystroke). The start
 * sticks to the range's first character and the end to its last, so text typed right before or right
 * after the range stays outside it; when every character of the range is deleted both ends meet.
 */

/** y-tiptap's binding mapping (Y type → ProseMirror node), a type its index does not export. */
type ProsemirrorMapping = Parameters<typeof absolutePositionToRelativePosition>[2]

/** What the Collaboration extension's sync plugin holds: the bound Y type and its node mapping. */
interface SyncBinding {
  doc: Y.Doc
  type: Y.XmlFragment
  mapping: ProsemirrorMapping
}

/** The anchor for the range `from`..`to` of `state` (an editor with the Collaboration extension). */
export function anchorForRange(state: EditorState, from: number, to: number): ThreadAnchor {
  const binding = syncBinding(state)
  if (!binding) throw new Error('anchorForRange needs an editor with the Collaboration extension')
  const start = Math.max(0, Math.min(from, to))
  const end = Math.min(state.doc.content.size, Math.max(from, to))
  return {
    start: encode(stickToNext(absolutePositionToRelativePosition(start, binding.type, binding.mapping), binding.doc)),
    end: encode(absolutePositionToRelativePosition(end, binding.type, binding.mapping)),
  }
}

/** The text of `from`..`to`, as a thread keeps it ("the quote"), cut to MAX_THREAD_QUOTE_CHARS. */
export function quoteForRange(state: EditorState, from: number, to: number): string {
  const text = state.doc.textBetween(Math.min(from, to), Math.max(from, to), '\n', ' ')
  return text.length > MAX_THREAD_QUOTE_CHARS ? `${text.slice(0, MAX_THREAD_QUOTE_CHARS - 1)}…` : text
}

/**
 * Where `anchor` stands in `state` now: a range, `deleted` when none of its text is left (or the
 * anchor cannot be read, e.g. it belongs to another document), `document` for a null anchor.
 */
export function placeOf(state: EditorState, anchor: ThreadAnchor | null): ThreadPlace {
  if (anchor === null) return { kind: 'document' }
  const binding = syncBinding(state)
  if (!binding) return { kind: 'deleted' }
  const offsets = offsetsFor(state, binding)
  const start = resolve(binding, anchor.start, offsets)
  const end = resolve(binding, anchor.end, offsets)
  if (start === null && end === null) return { kind: 'deleted' }
  const size = state.doc.content.size
  // One end's block was deleted whole (a range over several blocks): what is left runs from the
  // start of the surviving end's block, or to its end.
  const from = clamp(start ?? state.doc.resolve(clamp(end ?? 0, size)).start(), size)
  const to = clamp(end ?? state.doc.resolve(clamp(start ?? 0, size)).end(), size)
  if (from >= to || state.doc.textBetween(from, to, '', '\ufffc') === '') return { kind: 'deleted' }
  return { kind: 'range', from, to }
}

function syncBinding(state: EditorState): SyncBinding | null {
  const pluginState = ySyncPluginKey.getState(state) as
    { doc?: Y.Doc; type?: Y.XmlFragment; binding?: { mapping?: SyncBinding['mapping'] } } | undefined
  const mapping = pluginState?.binding?.mapping
  if (!pluginState?.doc || !pluginState.type || !mapping) return null
  return { doc: pluginState.doc, type: pluginState.type, mapping }
}

/**
 * y-tiptap's positions stick to the character before (assoc -1). A range's start should stick to
 * its first character instead, or text typed just before the range would join it.
 */
function stickToNext(position: Y.RelativePosition, doc: Y.Doc): Y.RelativePosition {
  const absolute = Y.createAbsolutePositionFromRelativePosition(position, doc)
  if (!absolute || !(absolute.type instanceof Y.XmlText)) return position
  return Y.createRelativePositionFromTypeIndex(absolute.type, absolute.index, 0)
}

/** The ProseMirror position of an encoded relative position; null when its text's block is gone. */
function resolve(binding: SyncBinding, encoded: string, offsets: ChildOffsets): number | null {
  try {
    // null for items this replica has not received yet (the thread arrived before the text did).
    const absolute = Y.createAbsolutePositionFromRelativePosition(decoded(encoded), binding.doc)
    if (!absolute || !isAlive(absolute.type, binding.type)) return null
    return offsets.position(absolute.type, absolute.index, binding.type)
  } catch {
    return null // not an anchor at all (hand-made through the REST API, or from another document)
  }
}

/**
 * Y positions to ProseMirror offsets, as y-tiptap's relativePositionToAbsolutePosition counts them
 * (a text's characters, an element's nodeSize from the binding's mapping, one for each opening tag),
 * but with each parent's child offsets summed once per document version instead of once per anchor:
 * placing every thread after each keystroke stays O(threads × depth), not O(threads × blocks).
 * (It also skips y-tiptap's guard that refuses positions at offset ≤ 1, meant for drag and drop,
 * which would refuse a range starting at the document's first character.)
 */
class ChildOffsets {
  private readonly byParent = new Map<Y.AbstractType<unknown>, ParentOffsets | null>()

  constructor(private readonly mapping: ProsemirrorMapping) {}

  position(type: Y.AbstractType<unknown>, index: number, root: Y.XmlFragment): number | null {
    let pos: number
    if (type instanceof Y.XmlText) {
      pos = index
    } else {
      const own = this.of(type)
      if (!own) return null
      pos = (own.prefix[Math.min(index, own.prefix.length - 1)] ?? 0) + 1
    }
    let current = type
    while (current !== root) {
      const parent = current._item?.parent
      if (!(parent instanceof Y.AbstractType)) return null
      const siblings = this.of(parent)
      const before = siblings?.before.get(current)
      if (before === undefined) return null
      pos += 1 + before // the parent's opening tag, then the siblings before
      current = parent
    }
    return pos - 1 // the root fragment has no opening tag
  }

  private of(parent: Y.AbstractType<unknown>): ParentOffsets | null {
    let offsets = this.byParent.get(parent)
    if (offsets === undefined) {
      offsets = this.compute(parent)
      this.byParent.set(parent, offsets)
    }
    return offsets
  }

  private compute(parent: Y.AbstractType<unknown>): ParentOffsets | null {
    const before = new Map<Y.AbstractType<unknown>, number>()
    const prefix = [0]
    let sum = 0
    for (let item = parent._start; item !== null; item = item.right) {
      if (item.deleted || !(item.content instanceof Y.ContentType)) continue
      const child = item.content.type
      before.set(child, sum)
      if (child instanceof Y.XmlText) {
        sum += child._length
      } else {
        const node = this.mapping.get(child)
        if (!node || Array.isArray(node)) return null // not rendered yet
        sum += node.nodeSize
      }
      prefix.push(sum)
    }
    return { before, prefix }
  }
}

interface ParentOffsets {
  /** Offset of each child's start from the parent's content start. */
  before: Map<Y.AbstractType<unknown>, number>
  /** prefix[i]: size of the first i children. */
  prefix: number[]
}

/** One ChildOffsets per document version (ProseMirror docs are immutable, so a version is an object). */
const offsetsByDoc = new WeakMap<EditorState['doc'], ChildOffsets>()

function offsetsFor(state: EditorState, binding: SyncBinding): ChildOffsets {
  let offsets = offsetsByDoc.get(state.doc)
  if (!offsets) {
    offsets = new ChildOffsets(binding.mapping)
    offsetsByDoc.set(state.doc, offsets)
  }
  return offsets
}

/** Decoded anchors by their base64, so recomputing every place on each keystroke decodes nothing. */
const decodedPositions = new Map<string, Y.RelativePosition>()
/** Bound on the cache: far above the anchor ends one document's threads hold. */
const MAX_DECODED_POSITIONS = 10_000

function decoded(encoded: string): Y.RelativePosition {
  let position = decodedPositions.get(encoded)
  if (!position) {
    position = Y.decodeRelativePosition(fromBase64(encoded))
    if (decodedPositions.size >= MAX_DECODED_POSITIONS) decodedPositions.clear()
    decodedPositions.set(encoded, position)
  }
  return position
}

/** False when `type` or a block around it was deleted (its positions would map to nonsense). */
function isAlive(type: Y.AbstractType<unknown>, root: Y.XmlFragment): boolean {
  let current: Y.AbstractType<unknown> | null = type
  while (current && current !== root) {
    const item: Y.Item | null = current._item
    if (!item) return false // another root type: not this editor's document
    if (item.deleted) return false
    current = item.parent instanceof Y.AbstractType ? item.parent : null
  }
  return current === root
}

function encode(position: Y.RelativePosition): string {
  return toBase64(Y.encodeRelativePosition(position))
}

function clamp(position: number, size: number): number {
  return Math.max(0, Math.min(position, size))
}
