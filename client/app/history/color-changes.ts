import type { JSONContent } from '@tiptap/core'
import { CHANGE_MARK_NAMES } from '../../../shared/history/change-marks.js'

/** The comparison with each change mark given its author's colour (change marks' `color`). */
export function colorChanges(json: JSONContent, colors: ReadonlyMap<string, string>): JSONContent {
  const marks = json.marks?.map((mark) =>
    CHANGE_MARK_NAMES.includes(mark.type)
      ? { ...mark, attrs: { ...mark.attrs, color: colors.get(String(mark.attrs?.authorName ?? '')) ?? null } }
      : mark,
  )
  return {
    ...json,
    ...(marks ? { marks } : {}),
    ...(json.content ? { content: json.content.map((child) => colorChanges(child, colors)) } : {}),
  }
}
