import { Plugin, PluginKey, type EditorState, type Transaction } from '@tiptap/pm/state'
import { Decoration, DecorationSet } from '@tiptap/pm/view'

/** An upload the server refused: its sentence, shown where the image was going to be. */
export interface UploadNotice {
  id: string
  message: string
  pos: number
}

type NoticeAction = { add: UploadNotice } | { remove: string }

export const uploadNoticesKey = new PluginKey<DecorationSet>('tandemUploadNotices')

/** Adds `notice` to `tr` (the transaction that removes the refused placeholder, so it lands in its place). */
export function addUploadNotice(tr: Transaction, notice: UploadNotice): Transaction {
  return tr.setMeta(uploadNoticesKey, { add: notice } satisfies NoticeAction)
}

/**
 * The refusals of this writer's uploads, in place of the placeholder each replaced (role="alert", so
 * it is announced), until dismissed. Decorations: local to this writer, never in the document.
 */
export function uploadNoticesPlugin(): Plugin<DecorationSet> {
  return new Plugin<DecorationSet>({
    key: uploadNoticesKey,
    state: {
      init: () => DecorationSet.empty,
      apply(tr, set) {
        let next = set.map(tr.mapping, tr.doc)
        const action = tr.getMeta(uploadNoticesKey) as NoticeAction | undefined
        if (action && 'add' in action) {
          const { id, message, pos } = action.add
          const at = Math.max(0, Math.min(pos, tr.doc.content.size))
          next = next.add(tr.doc, [
            Decoration.widget(at, (view) => noticeElement(message, () => view.dispatch(dismiss(view.state, id))), {
              key: `upload-notice-${id}`,
              id,
              side: -1,
              stopEvent: () => true,
              ignoreSelection: true,
            }),
          ])
        } else if (action && 'remove' in action) {
          next = next.remove(next.find(undefined, undefined, (spec) => spec.id === action.remove))
        }
        return next
      },
    },
    props: {
      decorations: (state) => uploadNoticesKey.getState(state),
    },
  })
}

function dismiss(state: EditorState, id: string): Transaction {
  return state.tr.setMeta(uploadNoticesKey, { remove: id } satisfies NoticeAction)
}

function noticeElement(message: string, onDismiss: () => void): HTMLElement {
  const notice = document.createElement('div')
  notice.className = 'tandem-upload-notice'
  notice.contentEditable = 'false'
  notice.setAttribute('role', 'alert')
  const text = document.createElement('span')
  text.textContent = message
  const close = document.createElement('button')
  close.type = 'button'
  close.textContent = '×'
  close.setAttribute('aria-label', 'Dismiss')
  close.addEventListener('click', onDismiss)
  notice.append(text, close)
  return notice
}
