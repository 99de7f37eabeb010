import { getSchema, type Extensions } from '@tiptap/core'
import { TaskItem, TaskList } from '@tiptap/extension-list'
import { TableKit } from '@tiptap/extension-table'
import StarterKit from '@tiptap/starter-kit'
import { ImageNode } from '../../shared/image-node.js'
import { suggestionMarks } from '../../shared/suggestions/suggestion-marks.js'
import { isSafeUrl, UrlKind } from '../../shared/url-policy.js'

/** The Y.XmlFragment Tiptap's Collaboration extension binds to by default. */
export const DOCUMENT_FIELD = 'default'

/**
 * The document schema as the server sees it: the editor's content extensions without the
 * collaboration and UI ones. The editor must use the same node and mark set, or content written
 * by one side is dropped by the other (test/unit/schema-parity checks it once the editor exists).
 */
export function documentExtensions(): Extensions {
  return [
    // The shared URL policy, so HTML import never parses a refused link and HTML export never renders one.
    StarterKit.configure({ undoRedo: false, link: { isAllowedUri: (url) => isSafeUrl(UrlKind.Link, url) } }),
    TaskList,
    TaskItem.configure({ nested: true }),
    TableKit,
    ImageNode,
    // Suggested insertions, deletions and formatting (issue 17): kept by storage, history and restore.
    ...suggestionMarks(),
  ]
}

export const documentSchema = getSchema(documentExtensions())
