/**
 * Where the comments UI meets the client data layer (client/comments, C1's branch). TEMPORARY stand-in
 * until issue16-c1 is merged: no threads, writes refused. Replaced by re-exports on merge.
 */
import type { Editor } from '@tiptap/core'
import type { EditorState } from '@tiptap/pm/state'
import type { ThreadAnchor } from '../../../shared/comments.js'
import { ThreadRequestError, type ThreadClient, type ThreadsState } from '../../comments/threads-api.js'
import type { TandemProvider } from '../../provider/tandem-provider.js'

const refuse = () => Promise.reject(new ThreadRequestError('Comments are not available yet.', 501, 'not-implemented'))
const client: ThreadClient = {
  startThread: refuse,
  reply: refuse,
  setStatus: refuse,
  editComment: refuse,
  deleteComment: refuse,
  deleteThread: refuse,
}
const EMPTY: ThreadsState = { threads: [], pending: [], openCount: 0, isLoaded: true, loadError: null, client }

export function useThreads(_provider: TandemProvider | null, _editor?: Editor | null): ThreadsState {
  return EMPTY
}

export function anchorForRange(_state: EditorState, _from: number, _to: number): ThreadAnchor {
  return { start: '', end: '' }
}

/** This browser's or token's author id, to tell one's own comments; null when unknown. */
export function useCommentAuthorId(_provider: TandemProvider | null): string | null {
  return null
}
