/** One person mentioned in one comment: a row of their "Mentions" inbox. */
export interface StoredMention {
  /** Chosen by the server (a UUID): what the inbox marks read. */
  id: string
  docId: string
  threadId: string
  commentId: string
  /** Who was mentioned, lowercased: mentions are addressed like shares, so they wait for a person's first sign-in. */
  email: string
  /** The comment's author (a verified id: only signed-in people's mentions are recorded). */
  authorId: string
  authorName: string
  /** The comment as readers see it, on one line and cut (shared/mentions.ts, mentionExcerpt). */
  excerpt: string
  /** Milliseconds since the epoch. */
  createdAt: number
  /** Milliseconds since the epoch; null while unread. */
  readAt: number | null
}

export type NewMention = Omit<StoredMention, 'readAt'>

/** One page of an inbox, newest first. */
export interface MentionPage {
  mentions: StoredMention[]
  /** Pass as `before` for the next (older) page; null when there is none. */
  next: string | null
}

/**
 * Mentions (server/mentions), addressed by email. Implementations: storage/memory, storage/sqlite,
 * storage/postgres; all pass test/contracts/mention-store.test.ts. Writes are durable when their
 * promise resolves. Who may be mentioned is the mention service's rule; this only stores.
 */
export interface MentionStore {
  /**
   * Records each mention unless its (docId, threadId, commentId, email) is recorded already, and
   * returns the ones it added, in the order given: an edited comment, or two writes racing, never
   * mention a person twice.
   */
  add(mentions: NewMention[]): Promise<StoredMention[]>
  /** The email's mentions, newest first: at most `limit`, older than the cursor `before` (a page's `next`). */
  list(email: string, page: { limit: number; before?: string }): Promise<MentionPage>
  /** How many unread mentions the email has, per document (documents without any are left out). */
  unreadByDocument(email: string): Promise<{ docId: string; count: number }[]>
  /** Marks those of `ids` that are the email's as read at `at` (read ones keep their time); returns how many changed. */
  markRead(email: string, ids: string[], at: number): Promise<number>
  /** Forgets the mentions of one comment (it was deleted). */
  forgetComment(docId: string, threadId: string, commentId: string): Promise<void>
  /** Forgets the mentions in one thread (it was deleted). */
  forgetThread(docId: string, threadId: string): Promise<void>
  /** Forgets every mention in the document (it was deleted). */
  forgetDocument(docId: string): Promise<void>
}
