import type { DocId } from '../../shared/ids.js'
import type { InboxMention, InboxPage } from '../../shared/mentions.js'
import type { SharingService, Viewer } from '../people/sharing-service.js'
import type { DocInfo } from '../storage/doc-store.js'
import type { MentionStore, StoredMention } from './mention-store.js'

/** Most mentions one page of the inbox holds. */
export const MAX_INBOX_PAGE = 100
/** Most mentions one "mark read" names (a page's worth). */
export const MAX_MARK_READ_IDS = MAX_INBOX_PAGE

export interface MentionInboxDeps {
  store: MentionStore
  /** Decides whether the person still reaches a document (any role). */
  sharing: Pick<SharingService, 'roleOf'>
  /** The document's facts (its title), or null once it is gone. */
  documentInfo(docId: DocId): Promise<DocInfo | null>
  now?: () => number
}

type SignedInViewer = NonNullable<Viewer>

/**
 * A signed-in person's "Mentions": the mentions addressed to their email, newest first. A mention
 * in a document they no longer reach (unshared since, or deleted) is left out and not counted: its
 * excerpt would show them a comment they may no longer read.
 */
export class MentionInbox {
  private readonly now: () => number

  constructor(private readonly deps: MentionInboxDeps) {
    this.now = deps.now ?? Date.now
  }

  async page(viewer: SignedInViewer, page: { limit: number; before?: string }): Promise<InboxPage> {
    const email = viewer.person.email
    if (!email) return { mentions: [], unreadCount: 0, next: null }
    const found = await this.deps.store.list(email, {
      limit: Math.min(page.limit, MAX_INBOX_PAGE),
      before: page.before,
    })
    const titles = await this.readableTitles(
      viewer,
      found.mentions.map((mention) => mention.docId),
    )
    return {
      mentions: found.mentions.flatMap((mention) => {
        const title = titles.get(mention.docId)
        return title === undefined ? [] : [inboxMention(mention, title)]
      }),
      unreadCount: await this.unreadCount(viewer),
      next: found.next,
    }
  }

  /** Unread mentions in documents the person still reaches. */
  async unreadCount(viewer: SignedInViewer): Promise<number> {
    const email = viewer.person.email
    if (!email) return 0
    const perDocument = await this.deps.store.unreadByDocument(email)
    const readable = await this.readableTitles(
      viewer,
      perDocument.map((entry) => entry.docId),
    )
    return perDocument.reduce((sum, entry) => sum + (readable.has(entry.docId) ? entry.count : 0), 0)
  }

  /** Marks those of `ids` that are the person's as read; returns the unread count after. */
  async markRead(viewer: SignedInViewer, ids: string[]): Promise<number> {
    const email = viewer.person.email
    if (email) await this.deps.store.markRead(email, ids, this.now())
    return this.unreadCount(viewer)
  }

  /** The titles of those documents that exist and that the person reaches (unreadable ones are absent). */
  private async readableTitles(viewer: SignedInViewer, docIds: string[]): Promise<Map<string, string>> {
    const titles = new Map<string, string>()
    for (const docId of new Set(docIds)) {
      const info = await this.deps.documentInfo(docId as DocId)
      if (info && (await this.deps.sharing.roleOf(viewer, docId)) !== null) titles.set(docId, info.title)
    }
    return titles
  }
}

function inboxMention(mention: StoredMention, documentTitle: string): InboxMention {
  return {
    id: mention.id,
    docId: mention.docId,
    documentTitle,
    threadId: mention.threadId,
    commentId: mention.commentId,
    excerpt: mention.excerpt,
    author: { id: mention.authorId, name: mention.authorName },
    createdAt: new Date(mention.createdAt).toISOString(),
    isRead: mention.readAt !== null,
  }
}
