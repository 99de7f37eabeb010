import type { Comment } from '../../../shared/comments.js'

/** What this writer's token allows with comments (docs/security.md): view < comment < edit. */
export type CommentRole = 'edit' | 'comment' | 'view'

/** Who is looking at the threads: decides which buttons a card shows. The server enforces the same rules. */
export interface CommentViewer {
  role: CommentRole
  /** This browser's or token's author id (author.id of the comments it wrote); null when unknown. */
  authorId: string | null
}

/** Start threads, reply, resolve and reopen: any comment or edit role. */
export function canComment(viewer: CommentViewer): boolean {
  return viewer.role !== 'view'
}

/** Only a comment's author edits or deletes it. */
export function isOwnComment(viewer: CommentViewer, comment: Comment): boolean {
  return canComment(viewer) && viewer.authorId !== null && comment.author.id === viewer.authorId
}

/** Deleting a whole thread is moderation: the edit role only. */
export function canDeleteThread(viewer: CommentViewer): boolean {
  return viewer.role === 'edit'
}
