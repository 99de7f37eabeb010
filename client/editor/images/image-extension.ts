import type { ImageOptions } from '@tiptap/extension-image'
import { Plugin, PluginKey } from '@tiptap/pm/state'
import { ReactNodeViewRenderer } from '@tiptap/react'
import { ImageNode } from '../../../shared/image-node.js'
import { placeCursorAfterImage } from './cursor-after-image.js'
import type { ImageUploader } from './image-uploader.js'
import { ImageView } from './image-view.js'
import { uploadNoticesPlugin } from './upload-notices.js'

declare module '@tiptap/core' {
  interface Commands<ReturnType> {
    editorImage: {
      /** Inserts each image file at the selection as an upload placeholder and uploads it. */
      insertImages: (files: readonly Blob[]) => ReturnType
    }
  }
}

export interface EditorImageOptions extends ImageOptions {
  uploader: ImageUploader | null
}

/** Image files in a paste or a drop; other files are left to the editor's default handling. */
function imageFiles(data: DataTransfer | null): File[] {
  return Array.from(data?.files ?? []).filter((file) => file.type.startsWith('image/'))
}

/**
 * The document's image node (shared/image-node.ts, unchanged schema) with what the editor adds: the
 * React node view, the insertImages command, and paste and drop of image files.
 */
export const EditorImage = ImageNode.extend<EditorImageOptions>({
  addOptions() {
    return { ...(this.parent?.() as ImageOptions), uploader: null }
  },

  addNodeView() {
    return ReactNodeViewRenderer(ImageView)
  },

  addCommands() {
    return {
      ...this.parent?.(),
      insertImages:
        (files) =>
        ({ editor, commands, dispatch }) => {
          const uploader = this.options.uploader
          if (!uploader || !editor.isEditable) return false
          // can(): no side effects. Otherwise the placeholders go into this command's transaction,
          // and the uploads start once it is applied.
          if (!dispatch || files.length === 0) return true
          const { nodes, start } = uploader.prepare(files)
          commands.insertContent(nodes)
          commands.command(({ tr }) => placeCursorAfterImage(tr))
          queueMicrotask(start)
          return true
        },
    }
  },

  addProseMirrorPlugins() {
    const uploader = this.options.uploader
    if (!uploader) return []
    return [
      uploadNoticesPlugin(),
      new Plugin({
        key: new PluginKey('tandemImageFiles'),
        props: {
          handlePaste: (view, event) => {
            const files = imageFiles(event.clipboardData)
            if (files.length === 0 || !view.editable) return false
            event.preventDefault()
            uploader.insertFiles(files)
            return true
          },
          handleDrop: (view, event, _slice, moved) => {
            const files = moved ? [] : imageFiles(event.dataTransfer)
            if (files.length === 0 || !view.editable) return false
            event.preventDefault()
            const position = view.posAtCoords({ left: event.clientX, top: event.clientY })?.pos
            uploader.insertFiles(files, position)
            return true
          },
        },
      }),
    ]
  },
})
