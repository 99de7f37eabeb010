import type { Extensions } from '@tiptap/core'
import Collaboration from '@tiptap/extension-collaboration'
import CollaborationCaret from '@tiptap/extension-collaboration-caret'
import { Placeholder } from '@tiptap/extensions'
import type { TandemProvider } from '../provider/tandem-provider.js'
import { CaretGlide, caretElement } from './caret-glide.js'
import { DOCUMENT_FIELD, documentExtensions } from './extensions.js'
import { EditorImage } from './images/image-extension.js'
import type { ImageUploader } from './images/image-uploader.js'
import type { EditorUser } from './user-identity.js'

export interface EditorExtensionOptions {
  provider: TandemProvider
  user: EditorUser
  placeholder?: string
  /** Uploads and shows images with the reader's token; without one, images show by their stored URL only. */
  uploader?: ImageUploader
  /** Extra extensions from the embedder; they must not add nodes or marks the server does not know. */
  extensions?: Extensions
}

/** Content extensions (images with their editor UI) plus collaboration (Yjs binding, per-user undo), remote carets (gliding) and a placeholder. */
export function editorExtensions(options: EditorExtensionOptions): Extensions {
  return [
    // The image node with its node view, paste and drop (same schema as documentExtensions' own).
    ...documentExtensions().map((extension) =>
      extension.name === 'image' ? EditorImage.configure({ uploader: options.uploader ?? null }) : extension,
    ),
    Collaboration.configure({ document: options.provider.doc, field: DOCUMENT_FIELD }),
    CollaborationCaret.configure({ provider: options.provider, user: { ...options.user }, render: caretElement }),
    CaretGlide,
    Placeholder.configure({ placeholder: options.placeholder ?? 'Start writing…' }),
    ...(options.extensions ?? []),
  ]
}
