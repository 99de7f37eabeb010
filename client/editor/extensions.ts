import type { Extensions } from '@tiptap/core'
import { TaskItem, TaskList } from '@tiptap/extension-list'
import { TableKit } from '@tiptap/extension-table'
import StarterKit from '@tiptap/starter-kit'
import { ImageNode } from '../../shared/image-node.js'
import { suggestionMarks } from '../../shared/suggestions/suggestion-marks.js'
import { isSafeUrl, UrlKind } from '../../shared/url-policy.js'

/** The Y.XmlFragment the server reads and writes (server/content/schema.ts: DOCUMENT_FIELD). */
export const DOCUMENT_FIELD = 'default'

/**
 * The content extensions: the same node and mark set as the server's schema
 * (test/unit/schema-parity.test.ts keeps them equal), or content one side writes the other drops.
 * Options here change behaviour only, never the schema.
 */
export function documentExtensions(): Extensions {
  return [
    // Undo comes from Collaboration (Yjs, own changes only); ProseMirror's history would undo peers' edits.
    StarterKit.configure({
      undoRedo: false,
      link: {
        openOnClick: false,
        autolink: true,
        defaultProtocol: 'https',
        // The shared URL policy (shared/url-policy.ts) decides which links are parsed from pasted
        // HTML, created by setLink and autolink, and rendered: a refused href that reached the
        // document anyway (an old version, a crafted update) renders as `href=""`.
        isAllowedUri: (url) => isSafeUrl(UrlKind.Link, url),
      },
    }),
    TaskList,
    TaskItem.configure({ nested: true }),
    TableKit.configure({ table: { resizable: false } }),
    ImageNode,
    ...suggestionMarks(),
  ]
}
