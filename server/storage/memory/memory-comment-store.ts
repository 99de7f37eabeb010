import type { ThreadStatus } from '../../../shared/comments.js'
import type { CommentStore, NewComment, NewThread, Thread } from '../../comments/comment-store.js'

/** Threads in process memory: for tests and throwaway servers. Hands out copies, never its own objects. */
export class MemoryCommentStore implements CommentStore {
  /** By document, then by thread id; Map order is creation order (oldest first). */
  private readonly docs = new Map<string, Map<string, Thread>>()

  async listThreads(docId: string): Promise<Thread[]> {
    return [...(this.docs.get(docId)?.values() ?? [])].map(copy)
  }

  async getThread(docId: string, threadId: string): Promise<Thread | null> {
    const thread = this.find(docId, threadId)
    return thread ? copy(thread) : null
  }

  async countThreads(docId: string): Promise<number> {
    return this.docs.get(docId)?.size ?? 0
  }

  async createThread(docId: string, thread: NewThread): Promise<Thread> {
    let threads = this.docs.get(docId)
    if (!threads) this.docs.set(docId, (threads = new Map()))
    const existing = threads.get(thread.id)
    if (existing) return copy(existing)
    const at = new Date(thread.comment.at).toISOString()
    const created: Thread = {
      id: thread.id,
      status: 'open',
      quote: thread.quote,
      anchor: thread.anchor ? { ...thread.anchor } : null,
      suggestionId: thread.suggestionId ?? null,
      comments: [toComment(thread.comment)],
      createdAt: at,
      updatedAt: at,
    }
    threads.set(thread.id, created)
    return copy(created)
  }

  async addComment(docId: string, threadId: string, comment: NewComment): Promise<Thread | null> {
    return this.change(docId, threadId, comment.at, (thread) => {
      if (thread.comments.some((c) => c.id === comment.id)) return false
      thread.comments.push(toComment(comment))
      return true
    })
  }

  async editComment(docId: string, threadId: string, commentId: string, body: string, at: number) {
    return this.change(docId, threadId, at, (thread) => {
      const comment = thread.comments.find((c) => c.id === commentId)
      if (!comment) return null
      comment.body = body
      comment.editedAt = new Date(at).toISOString()
      return true
    })
  }

  async deleteComment(docId: string, threadId: string, commentId: string, at: number) {
    return this.change(docId, threadId, at, (thread) => {
      const index = thread.comments.findIndex((c) => c.id === commentId)
      if (index < 0) return null
      thread.comments.splice(index, 1)
      return true
    })
  }

  async setStatus(docId: string, threadId: string, status: ThreadStatus, at: number) {
    return this.change(docId, threadId, at, (thread) => {
      thread.status = status
      return true
    })
  }

  async deleteThread(docId: string, threadId: string): Promise<boolean> {
    return this.docs.get(docId)?.delete(threadId) ?? false
  }

  async deleteDocument(docId: string): Promise<void> {
    this.docs.delete(docId)
  }

  private find(docId: string, threadId: string): Thread | undefined {
    return this.docs.get(docId)?.get(threadId)
  }

  /** `apply` answers true (changed), false (nothing to change) or null (no such comment). */
  private change(
    docId: string,
    threadId: string,
    at: number,
    apply: (thread: Thread) => boolean | null,
  ): Thread | null {
    const thread = this.find(docId, threadId)
    if (!thread) return null
    const changed = apply(thread)
    if (changed === null) return null
    if (changed) thread.updatedAt = new Date(at).toISOString()
    return copy(thread)
  }
}

function toComment(comment: NewComment): Thread['comments'][number] {
  return {
    id: comment.id,
    body: comment.body,
    author: { ...comment.author },
    createdAt: new Date(comment.at).toISOString(),
    editedAt: null,
  }
}

function copy(thread: Thread): Thread {
  return structuredClone(thread)
}
