import type { Extensions } from '@tiptap/core'
import Collaboration from '@tiptap/extension-collaboration'
import CollaborationCaret from '@tiptap/extension-collaboration-caret'
import { Placeholder } from '@tiptap/extensions'
import { browserAuthorId } from '../comments/comment-author.js'
import type { TandemProvider } from '../provider/tandem-provider.js'
import { CaretGlide, caretElement } from './caret-glide.js'
import { DOCUMENT_FIELD, documentExtensions } from './extensions.js'
import { EditorImage } from './images/image-extension.js'
import type { ImageUploader } from './images/image-uploader.js'
import { SuggestionColors } from './suggestion-colors.js'
import { Suggesting } from './suggestions/suggesting-extension.js'
import type { EditorUser } from './user-identity.js'

export interface EditorExtensionOptions {
  provider: TandemProvider
  user: EditorUser
  placeholder?: string
  /** Uploads and shows images with the reader's token; without one, images show by their stored URL only. */
  uploader?: ImageUploader
  /** Extra extensions from the embedder; they must not add nodes or marks the server does not know. */
  extensions?: Extensions
  /**
   * Who suggests (the token's person, else this browser's author id, with the writer's name) and
   * whether the editor starts in Suggesting mode (`setSuggesting` switches later).
   */
  suggesting?: { author: { id: string; name: string }; enabled: boolean }
}

/**
 * Content extensions (images with their editor UI) plus collaboration (Yjs binding, per-user undo),
 * remote carets (gliding), a placeholder, Suggesting mode and suggestions coloured by author.
 */
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
    Suggesting.configure({
      author: options.suggesting?.author ?? { id: browserAuthorId(), name: options.user.name },
      enabled: options.suggesting?.enabled ?? false,
    }),
    SuggestionColors,
    ...(options.extensions ?? []),
  ]
}
