import type { MentionPage, MentionStore, NewMention, StoredMention } from '../../mentions/mention-store.js'

/** Mentions in process memory: for tests and throwaway servers. */
export class MemoryMentionStore implements MentionStore {
  /** In insertion order, each with its sequence number (the cursor, as the SQL stores' `seq`). */
  private readonly rows: { seq: number; mention: StoredMention }[] = []
  private lastSeq = 0

  async add(mentions: NewMention[]): Promise<StoredMention[]> {
    const added: StoredMention[] = []
    for (const mention of mentions) {
      const isKnown = this.rows.some(
        ({ mention: row }) =>
          row.docId === mention.docId &&
          row.threadId === mention.threadId &&
          row.commentId === mention.commentId &&
          row.email === mention.email,
      )
      if (isKnown) continue
      const stored: StoredMention = { ...mention, readAt: null }
      this.rows.push({ seq: ++this.lastSeq, mention: stored })
      added.push({ ...stored })
    }
    return added
  }

  async list(email: string, page: { limit: number; before?: string }): Promise<MentionPage> {
    const before = page.before === undefined ? Number.POSITIVE_INFINITY : Number(page.before)
    const older = this.rows.filter((row) => row.mention.email === email && row.seq < before).reverse()
    const shown = older.slice(0, page.limit)
    return {
      mentions: shown.map((row) => ({ ...row.mention })),
      next: older.length > page.limit ? String(shown[shown.length - 1]!.seq) : null,
    }
  }

  async unreadByDocument(email: string): Promise<{ docId: string; count: number }[]> {
    const counts = new Map<string, number>()
    for (const { mention } of this.rows) {
      if (mention.email === email && mention.readAt === null) {
        counts.set(mention.docId, (counts.get(mention.docId) ?? 0) + 1)
      }
    }
    return [...counts].map(([docId, count]) => ({ docId, count }))
  }

  async markRead(email: string, ids: string[], at: number): Promise<number> {
    const wanted = new Set(ids)
    let changed = 0
    for (const { mention } of this.rows) {
      if (mention.email === email && wanted.has(mention.id) && mention.readAt === null) {
        mention.readAt = at
        changed++
      }
    }
    return changed
  }

  async forgetComment(docId: string, threadId: string, commentId: string): Promise<void> {
    this.remove((m) => m.docId === docId && m.threadId === threadId && m.commentId === commentId)
  }

  async forgetThread(docId: string, threadId: string): Promise<void> {
    this.remove((m) => m.docId === docId && m.threadId === threadId)
  }

  async forgetDocument(docId: string): Promise<void> {
    this.remove((m) => m.docId === docId)
  }

  private remove(isGone: (mention: StoredMention) => boolean): void {
    for (let index = this.rows.length - 1; index >= 0; index--) {
      if (isGone(this.rows[index]!.mention)) this.rows.splice(index, 1)
    }
  }
}
