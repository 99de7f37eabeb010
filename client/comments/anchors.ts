import type { EditorState } from '@tiptap/pm/state'
import {
  absolutePositionToRelativePosition,
  relativePositionToAbsolutePosition,
  ySyncPluginKey,
} from '@tiptap/y-tiptap'
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
  const start = resolve(binding, anchor.start)
  const end = resolve(binding, anchor.end)
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
function resolve(binding: SyncBinding, encoded: string): number | null {
  let position: Y.RelativePosition
  try {
    position = Y.decodeRelativePosition(fromBase64(encoded))
  } catch {
    return null
  }
  const absolute = Y.createAbsolutePositionFromRelativePosition(position, binding.doc)
  if (!absolute || !isAlive(absolute.type, binding.type)) return null
  // y-tiptap refuses item-based positions that land at offset ≤ 1 (its guard against block moves
  // during drag and drop), which a range's start at the document's first character is; the same
  // place expressed as assoc -1 from its index passes that guard and maps to the same offset.
  const normalized = Y.createRelativePositionFromTypeIndex(absolute.type, absolute.index, -1)
  return relativePositionToAbsolutePosition(binding.doc, binding.type, normalized, binding.mapping)
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
