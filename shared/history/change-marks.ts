import { Mark } from '@tiptap/core'

/**
 * What changed between two versions (docs/history.md, "Comparing versions"), as marks on the text
 * of a comparison: the server writes them into the comparison's JSON, the history panel renders
 * that JSON with the editor's schema plus these marks. They render like suggestions do
 * (shared/suggestions/suggestion-marks.ts: `<ins>` and `<del>`), but are marks of their own: a
 * version may hold pending suggestions, which must stay distinguishable from what changed.
 *
 * Every change mark carries `authorName` (who made it, as the server recorded it) and `color`
 * (`#rrggbb`, chosen by the history panel per author; absent on the server).
 */
export const ChangeMarkName = {
  Insertion: 'historyInsertion',
  Deletion: 'historyDeletion',
  Format: 'historyFormat',
} as const
export type ChangeMarkName = (typeof ChangeMarkName)[keyof typeof ChangeMarkName]

export const CHANGE_MARK_NAMES: readonly string[] = Object.values(ChangeMarkName)

/** What a change mark says about the text it covers. */
export interface ChangeAttrs {
  authorName: string
  /** `#rrggbb` or null (no colour known). */
  color: string | null
}

/** A format change also names the marks it added and removed (mark type names, comma-separated). */
export interface FormatChangeAttrs extends ChangeAttrs {
  added: string
  removed: string
}

const COLOR = /^#[0-9a-fA-F]{6}$/

function changeAttributes(verb: string) {
  return {
    authorName: {
      default: '',
      renderHTML: (attributes: Record<string, unknown>) => ({
        'data-author-name': String(attributes.authorName ?? ''),
        title: `${verb} by ${String(attributes.authorName ?? '')}`,
      }),
    },
    color: {
      default: null,
      // Only a plain colour reaches the style attribute.
      renderHTML: (attributes: Record<string, unknown>) =>
        typeof attributes.color === 'string' && COLOR.test(attributes.color)
          ? { style: `--change-color: ${attributes.color}` }
          : {},
    },
  }
}

/** Text added between the two versions: `<ins data-history-change="insertion">`. */
export const ChangeInsertionMark = Mark.create({
  name: ChangeMarkName.Insertion,
  excludes: ChangeMarkName.Insertion,
  addAttributes: () => changeAttributes('Added'),
  renderHTML: ({ HTMLAttributes }) => ['ins', { ...HTMLAttributes, 'data-history-change': 'insertion' }, 0],
})

/** Text removed between the two versions (shown as it was): `<del data-history-change="deletion">`. */
export const ChangeDeletionMark = Mark.create({
  name: ChangeMarkName.Deletion,
  excludes: ChangeMarkName.Deletion,
  addAttributes: () => changeAttributes('Removed'),
  renderHTML: ({ HTMLAttributes }) => ['del', { ...HTMLAttributes, 'data-history-change': 'deletion' }, 0],
})

/** Text whose formatting changed (shown as it is now): `<span data-history-change="format">`. */
export const ChangeFormatMark = Mark.create({
  name: ChangeMarkName.Format,
  excludes: ChangeMarkName.Format,
  addAttributes: () => ({
    ...changeAttributes('Formatted'),
    added: { default: '', renderHTML: (attributes) => ({ 'data-added': String(attributes.added ?? '') }) },
    removed: { default: '', renderHTML: (attributes) => ({ 'data-removed': String(attributes.removed ?? '') }) },
  }),
  renderHTML: ({ HTMLAttributes }) => ['span', { ...HTMLAttributes, 'data-history-change': 'format' }, 0],
})

/** The three change marks, added to the document schema wherever a comparison is built or shown. */
export const changeMarks = () => [ChangeInsertionMark, ChangeDeletionMark, ChangeFormatMark]

/** One author's share of a comparison, as the compare route answers it: runs of text added, removed and reformatted. */
export interface ChangeAuthor {
  name: string
  /** The colour they showed in when they last edited (`#rrggbb`), or null when not known. */
  color: string | null
  insertions: number
  deletions: number
  formatChanges: number
}
