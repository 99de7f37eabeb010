import type { Comment } from '../../../shared/comments.js'
import type { Role } from '../../../shared/roles.js'

/** Who is looking at the threads: decides which buttons a card shows. The server enforces the same rules. */
export interface CommentViewer {
  role: Role
  /** The author ids of this writer's comments: the browser's own id and, with a token naming a person, its subject. */
  authorIds: readonly string[]
}

/** Start threads, reply, resolve and reopen: any comment or edit role. */
export function canComment(viewer: CommentViewer): boolean {
  return viewer.role !== 'view'
}

/** Only a comment's author edits or deletes it. */
export function isOwnComment(viewer: CommentViewer, comment: Comment): boolean {
  return canComment(viewer) && viewer.authorIds.includes(comment.author.id)
}

/** Deleting a whole thread is moderation: the edit role only. */
export function canDeleteThread(viewer: CommentViewer): boolean {
  return viewer.role === 'edit'
}
