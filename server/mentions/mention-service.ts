import { randomUUID } from 'node:crypto'
import type { Comment, Thread } from '../../shared/comments.js'
import type { DocId } from '../../shared/ids.js'
import { mentionExcerpt, parseMentions, type Mention } from '../../shared/mentions.js'
import type { CommentMentions } from '../comments/comment-mentions.js'
import type { PeopleStore, Person } from '../people/people-store.js'
import { commentMentionedEvent, type WebhookEventInput } from '../webhooks/webhook-events.js'
import type { MentionStore } from './mention-store.js'

export interface MentionServiceDeps {
  store: MentionStore
  people: PeopleStore
  /** Queues a webhook event (comment.mentioned); must not block or throw. */
  notify: (event: WebhookEventInput) => void
  /** The document's title for the event ('' when it has none). */
  documentTitle(docId: DocId): Promise<string>
  now?: () => number
}

/**
 * The rules of mentions (docs/security.md, "Mentions"), on servers with sign-in. A comment's
 * `@[name](email)` (shared/mentions.ts) reaches a person only when:
 *
 * - the author is verified (signed in, or a token naming a person): a shared link's anonymous
 *   holder cannot page people;
 * - the email is one the document names: its owner's or one it is shared with, at any role (the
 *   same list the composer offers). A link that is on names nobody, and administrators reach every
 *   document without being named by it; the composer offers to share with anyone else first;
 * - it is not the author's own;
 * - the comment has not mentioned that email before (an edit announces only people it adds).
 *
 * Each such mention is stored (the person's "Mentions" inbox) and announced once as a
 * `comment.mentioned` webhook. Anything else stays text and reaches nobody.
 */
export class MentionService implements CommentMentions {
  private readonly now: () => number

  constructor(private readonly deps: MentionServiceDeps) {
    this.now = deps.now ?? Date.now
  }

  async commentWritten(docId: DocId, thread: Thread, comment: Comment): Promise<void> {
    const { author } = comment
    if (!author.isVerified) return
    const mentions = parseMentions(comment.body)
    if (mentions.length === 0) return
    const named = await this.namedPeople(docId)
    const recipients: { mention: Mention; person: Person | null }[] = []
    for (const mention of mentions) {
      if (!named.has(mention.email)) continue
      const person = named.get(mention.email) ?? (await this.deps.people.personByEmail(mention.email))
      if (person?.id === author.id) continue
      recipients.push({ mention, person })
    }
    if (recipients.length === 0) return
    const excerpt = mentionExcerpt(comment.body)
    const createdAt = this.now()
    const added = await this.deps.store.add(
      recipients.map(({ mention }) => ({
        id: randomUUID(),
        docId,
        threadId: thread.id,
        commentId: comment.id,
        email: mention.email,
        authorId: author.id,
        authorName: author.name,
        excerpt,
        createdAt,
      })),
    )
    if (added.length === 0) return
    const title = await this.deps.documentTitle(docId)
    for (const row of added) {
      const { mention, person } = recipients.find((recipient) => recipient.mention.email === row.email)!
      this.deps.notify(
        commentMentionedEvent(docId, title, thread, comment, {
          id: person?.id,
          name: person?.name ?? mention.name,
          email: mention.email,
        }),
      )
    }
  }

  async commentDeleted(docId: DocId, threadId: string, commentId: string): Promise<void> {
    await this.deps.store.forgetComment(docId, threadId, commentId)
  }

  async threadDeleted(docId: DocId, threadId: string): Promise<void> {
    await this.deps.store.forgetThread(docId, threadId)
  }

  async documentDeleted(docId: DocId): Promise<void> {
    await this.deps.store.forgetDocument(docId)
  }

  /** The emails the document names (its owner's and its shares'), with the person where already known. */
  private async namedPeople(docId: DocId): Promise<Map<string, Person | null>> {
    const { people } = this.deps
    const named = new Map<string, Person | null>()
    for (const share of await people.shares(docId)) named.set(share.email, null)
    const ownerId = (await people.access(docId))?.ownerId
    const owner = ownerId ? await people.person(ownerId) : null
    if (owner?.email) named.set(owner.email, owner)
    return named
  }
}
