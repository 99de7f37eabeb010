import { NodeSelection, TextSelection, type Transaction } from '@tiptap/pm/state'

/**
 * After inserting an image, ProseMirror selects it when no text follows (the end of the document,
 * of a cell): the next keystroke would replace the new image. Writing goes on below it instead,
 * in an empty paragraph, as in other editors.
 */
export function placeCursorAfterImage(tr: Transaction): boolean {
  const { selection } = tr
  if (!(selection instanceof NodeSelection) || selection.node.type.name !== 'image') return true
  const paragraph = tr.doc.type.schema.nodes.paragraph
  if (!paragraph) return true
  const after = selection.to
  const $after = tr.doc.resolve(after)
  if (!$after.parent.canReplaceWith($after.index(), $after.index(), paragraph)) return true
  tr.insert(after, paragraph.create())
  tr.setSelection(TextSelection.create(tr.doc, after + 1))
  return true
}
