import { randomUUID } from 'node:crypto'
import {
  MAX_COMMENT_BODY_CHARS,
  MAX_THREAD_QUOTE_CHARS,
  THREAD_SUGGESTION_ID_PATTERN,
  ThreadStatus,
  type Comment,
  type CommentAuthor,
  type Thread,
  type ThreadAnchor,
  type ThreadEvent,
} from '../../shared/comments.js'
import { ErrorCode, SyncError } from '../../shared/errors.js'
import type { DocId } from '../../shared/ids.js'
import { readOnlyReason } from '../auth/authenticator.js'
import { canComment } from '../auth/tokens.js'
import { Role } from '../../shared/roles.js'
import type { Logger } from '../logger.js'
import { PerMinuteBudgets } from '../sync/token-bucket.js'
import {
  commentCreatedEvent,
  threadCreatedEvent,
  threadResolvedEvent,
  type WebhookEventInput,
} from '../webhooks/webhook-events.js'
import { isSameAuthor } from './comment-author.js'
import type { CommentMentions } from './comment-mentions.js'
import type { CommentStore } from './comment-store.js'
import type { ThreadFeed } from './thread-feed.js'

/** Who acts, with what role: the REST layer builds it from the token and the author headers. */
export interface CommentActor {
  role: Role
  author: CommentAuthor
  /**
   * Whose budget a write spends (COMMENTS_PER_MINUTE): the person for a verified author, the
   * client's address otherwise (a browser could pick a new id for each comment).
   */
  rateKey: string
}

/** Client-chosen ids make writes idempotent: a write re-sent after an outage creates nothing twice. */
export const CLIENT_ID = /^[A-Za-z0-9_-]{8,64}$/
/** Each anchor position is a base64 Y.RelativePosition, a few dozen bytes; this leaves room and no more. */
export const MAX_ANCHOR_CHARS = 1024
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/

export interface NewThreadInput {
  id?: string
  body: string
  quote?: string
  anchor?: ThreadAnchor | null
  /** The suggestion the thread discusses (THREAD_SUGGESTION_ID_PATTERN); absent or null for none. */
  suggestionId?: string | null
}

export interface CommentLimits {
  maxThreadsPerDocument: number
  maxCommentsPerThread: number
  /** Writes per author (rateKey) per minute, as a token bucket of this size; 0 turns it off. */
  commentsPerMinute: number
}

export interface CommentServiceDeps {
  store: CommentStore
  /** Whether the document exists (comments on a document nobody created are refused with 404). */
  documentExists(docId: DocId): Promise<boolean>
  limits: CommentLimits
  /** Live delivery of every durable change; defaults to none (the integrator wires S2's feed). */
  threadFeed?: ThreadFeed
  /** Webhook events (thread.created, comment.created, thread.resolved); must not block or throw. */
  notify?: (event: WebhookEventInput) => void
  /** Mentions (with sign-in): told of every stored comment change; absent, mentions are plain text. */
  mentions?: CommentMentions
  log?: Logger
  now?: () => number
}

/** A write and whether it made something new (201) or found it made already by an earlier try (200). */
export interface Written<T> {
  value: T
  created: boolean
}

const NO_FEED: ThreadFeed = { publish: () => undefined }

/**
 * The rules of comments (docs/security.md, "Roles"): comment and edit roles start threads, reply,
 * resolve and reopen; only a comment's author edits or deletes it; the edit role deletes whole
 * threads; the view role reads. Every change is durable in the store before it is published to the
 * thread feed (live clients) and to webhooks.
 */
export class CommentService {
  private feed: ThreadFeed
  private readonly now: () => number
  private readonly budgets: PerMinuteBudgets

  constructor(private readonly deps: CommentServiceDeps) {
    this.feed = deps.threadFeed ?? NO_FEED
    this.now = deps.now ?? Date.now
    this.budgets = new PerMinuteBudgets(this.now)
  }

  /** Every thread of the document, oldest first. Any role reads. */
  async list(docId: DocId): Promise<Thread[]> {
    await this.requireDocument(docId)
    return this.deps.store.listThreads(docId)
  }

  /**
   * Every thread, without the existence check or any role: for callers that authorised the reader
   * already (content exports, the live snapshot a connection gets when it opens).
   */
  threadsOf(docId: DocId): Promise<Thread[]> {
    return this.deps.store.listThreads(docId)
  }

  /** Where changes are published from now on (the live feed may be built after this service). */
  attachFeed(feed: ThreadFeed): void {
    this.feed = feed
  }

  async createThread(docId: DocId, actor: CommentActor, input: NewThreadInput): Promise<Written<Thread>> {
    requireCommenter(actor, 'start threads')
    const body = checkBody(input.body)
    const anchor = checkAnchor(input.anchor ?? null)
    const suggestionId = checkSuggestionId(input.suggestionId ?? null)
    const id = checkClientId(input.id) ?? randomUUID()
    await this.requireDocument(docId)
    const { store, limits } = this.deps
    const existing = input.id === undefined ? null : await store.getThread(docId, id)
    if (existing) return { value: this.sameAuthorsThread(existing, actor), created: false }
    if ((await store.countThreads(docId)) >= limits.maxThreadsPerDocument) {
      throw new SyncError(
        ErrorCode.DocumentTooLarge,
        `this document has ${limits.maxThreadsPerDocument} comment threads, the most allowed; resolve and delete some first`,
      )
    }
    this.spend(actor)
    const thread = await store.createThread(docId, {
      id,
      quote: cutQuote(input.quote ?? ''),
      anchor,
      suggestionId,
      comment: { id: randomUUID(), body, author: actor.author, at: this.now() },
    })
    // A concurrent try with the same id may have won: then this is its thread, made once.
    const isMine = isSameAuthor(thread.comments[0]?.author ?? actor.author, actor.author)
    if (!isMine) throw idTaken('thread', id)
    this.publish(docId, { kind: 'upsert', thread })
    this.emit(() => threadCreatedEvent(docId, thread))
    await this.mention(docId, (mentions) => mentions.commentWritten(docId, thread, thread.comments[0]!))
    return { value: thread, created: true }
  }

  async reply(
    docId: DocId,
    threadId: string,
    actor: CommentActor,
    input: { id?: string; body: string },
  ): Promise<Written<{ thread: Thread; comment: Comment }>> {
    requireCommenter(actor, 'reply')
    const body = checkBody(input.body)
    const id = checkClientId(input.id) ?? randomUUID()
    const { store, limits } = this.deps
    const before = await this.requireThread(docId, threadId)
    const existing = before.comments.find((c) => c.id === id)
    if (existing) {
      if (!isSameAuthor(existing.author, actor.author)) throw idTaken('comment', id)
      return { value: { thread: before, comment: existing }, created: false }
    }
    if (before.comments.length >= limits.maxCommentsPerThread) {
      throw new SyncError(
        ErrorCode.DocumentTooLarge,
        `this thread has ${limits.maxCommentsPerThread} comments, the most allowed; start a new thread`,
      )
    }
    this.spend(actor)
    const thread = await store.addComment(docId, threadId, { id, body, author: actor.author, at: this.now() })
    if (!thread) throw noThread(threadId)
    const comment = thread.comments.find((c) => c.id === id)!
    this.publish(docId, { kind: 'upsert', thread })
    this.emit(() => commentCreatedEvent(docId, thread, comment))
    await this.mention(docId, (mentions) => mentions.commentWritten(docId, thread, comment))
    return { value: { thread, comment }, created: true }
  }

  /** Resolve or reopen: comment and edit roles, whoever started the thread. */
  async setStatus(docId: DocId, threadId: string, actor: CommentActor, status: ThreadStatus): Promise<Thread> {
    requireCommenter(actor, status === ThreadStatus.Resolved ? 'resolve threads' : 'reopen threads')
    const before = await this.requireThread(docId, threadId)
    if (before.status === status) return before
    const thread = await this.deps.store.setStatus(docId, threadId, status, this.now())
    if (!thread) throw noThread(threadId)
    this.publish(docId, { kind: 'upsert', thread })
    if (status === ThreadStatus.Resolved) this.emit(() => threadResolvedEvent(docId, thread, actor.author))
    return thread
  }

  /** Its author only. */
  async editComment(docId: DocId, threadId: string, commentId: string, actor: CommentActor, body: string) {
    requireCommenter(actor, 'edit comments')
    const text = checkBody(body)
    await this.requireOwnComment(docId, threadId, commentId, actor, 'edit')
    this.spend(actor)
    const thread = await this.deps.store.editComment(docId, threadId, commentId, text, this.now())
    if (!thread) throw noComment(commentId)
    this.publish(docId, { kind: 'upsert', thread })
    const edited = thread.comments.find((c) => c.id === commentId)
    if (edited) await this.mention(docId, (mentions) => mentions.commentWritten(docId, thread, edited))
    return thread
  }

  /**
   * Its author only. A thread left without comments goes too (nothing would be left to show);
   * then null is returned.
   */
  async deleteComment(docId: DocId, threadId: string, commentId: string, actor: CommentActor): Promise<Thread | null> {
    requireCommenter(actor, 'delete comments')
    await this.requireOwnComment(docId, threadId, commentId, actor, 'delete')
    const { store } = this.deps
    const thread = await store.deleteComment(docId, threadId, commentId, this.now())
    if (!thread) throw noComment(commentId)
    if (thread.comments.length > 0) {
      this.publish(docId, { kind: 'upsert', thread })
      await this.mention(docId, (mentions) => mentions.commentDeleted(docId, threadId, commentId))
      return thread
    }
    await store.deleteThread(docId, threadId)
    this.publish(docId, { kind: 'delete', threadId })
    await this.mention(docId, (mentions) => mentions.threadDeleted(docId, threadId))
    return null
  }

  /** Moderation: the edit role deletes a whole thread, whoever wrote it. */
  async deleteThread(docId: DocId, threadId: string, actor: CommentActor): Promise<void> {
    if (actor.role !== Role.Edit) {
      throw new SyncError(
        ErrorCode.ReadOnly,
        'only editors can delete a whole thread; delete your own comments instead',
      )
    }
    await this.requireDocument(docId)
    if (!(await this.deps.store.deleteThread(docId, threadId))) throw noThread(threadId)
    this.publish(docId, { kind: 'delete', threadId })
    await this.mention(docId, (mentions) => mentions.threadDeleted(docId, threadId))
  }

  /** The document is gone: so are its threads (called by DocumentService.delete). */
  async deleteDocument(docId: DocId): Promise<void> {
    await this.deps.store.deleteDocument(docId)
    await this.mention(docId, (mentions) => mentions.documentDeleted(docId))
  }

  private async requireDocument(docId: DocId): Promise<void> {
    if (!(await this.deps.documentExists(docId))) {
      throw new SyncError(ErrorCode.NotFound, `document ${docId} does not exist`)
    }
  }

  private async requireThread(docId: DocId, threadId: string): Promise<Thread> {
    await this.requireDocument(docId)
    const thread = await this.deps.store.getThread(docId, threadId)
    if (!thread) throw noThread(threadId)
    return thread
  }

  private async requireOwnComment(
    docId: DocId,
    threadId: string,
    commentId: string,
    actor: CommentActor,
    verb: string,
  ): Promise<Comment> {
    const thread = await this.requireThread(docId, threadId)
    const comment = thread.comments.find((c) => c.id === commentId)
    if (!comment) throw noComment(commentId)
    if (!isSameAuthor(comment.author, actor.author)) {
      throw new SyncError(ErrorCode.Forbidden, `only its author can ${verb} this comment`)
    }
    return comment
  }

  /** The thread a re-sent creation names, if it is this author's; another's id is not theirs to reuse. */
  private sameAuthorsThread(thread: Thread, actor: CommentActor): Thread {
    const opening = thread.comments[0]
    if (opening && !isSameAuthor(opening.author, actor.author)) throw idTaken('thread', thread.id)
    return thread
  }

  /** One write from the actor's per-minute budget, or 429. */
  private spend(actor: CommentActor): void {
    const perMinute = this.deps.limits.commentsPerMinute
    if (perMinute > 0 && !this.budgets.take(actor.rateKey, perMinute)) {
      throw new SyncError(
        ErrorCode.RateLimited,
        `you are commenting too fast (at most ${perMinute} a minute); wait a moment and try again`,
      )
    }
  }

  private publish(docId: DocId, event: ThreadEvent): void {
    try {
      this.feed.publish(docId, event)
    } catch (error) {
      // The change is stored; clients still get it with the next snapshot.
      this.deps.log?.error({ err: error, docId }, 'thread feed failed to publish')
    }
  }

  /**
   * Tells the mentions of a stored change, and waits for them: when the write answers, its mentions
   * are in the inboxes and their events queued. A failure there is logged, not the writer's: the
   * comment itself is stored.
   */
  private async mention(docId: DocId, work: (mentions: CommentMentions) => Promise<void>): Promise<void> {
    const { mentions } = this.deps
    if (!mentions) return
    try {
      await work(mentions)
    } catch (error) {
      this.deps.log?.error({ err: error, docId }, 'mentions failed')
    }
  }

  private emit(event: () => WebhookEventInput): void {
    if (!this.deps.notify) return
    try {
      this.deps.notify(event())
    } catch (error) {
      this.deps.log?.error({ err: error }, 'webhook notification failed')
    }
  }
}

function requireCommenter(actor: CommentActor, what: string): void {
  if (!canComment(actor.role)) throw new SyncError(ErrorCode.ReadOnly, `${readOnlyReason(actor.role)}: cannot ${what}`)
}

/** Trimmed, 1 to MAX_COMMENT_BODY_CHARS characters; kept as plain text. */
export function checkBody(body: string): string {
  const text = body.trim()
  if (!text) throw new SyncError(ErrorCode.BadRequest, 'a comment cannot be empty')
  if (text.length > MAX_COMMENT_BODY_CHARS) {
    throw new SyncError(
      ErrorCode.BadRequest,
      `a comment can be at most ${MAX_COMMENT_BODY_CHARS} characters; this one has ${text.length}`,
    )
  }
  return text
}

/** Quotes longer than MAX_THREAD_QUOTE_CHARS are cut, with an ellipsis. */
export function cutQuote(quote: string): string {
  const chars = [...quote]
  return chars.length <= MAX_THREAD_QUOTE_CHARS ? quote : chars.slice(0, MAX_THREAD_QUOTE_CHARS - 1).join('') + '…'
}

function checkSuggestionId(suggestionId: string | null): string | null {
  if (suggestionId === null) return null
  if (!THREAD_SUGGESTION_ID_PATTERN.test(suggestionId)) {
    throw new SyncError(ErrorCode.BadRequest, 'suggestionId must be 1–120 letters, digits, "_", ":", "." or "-"')
  }
  return suggestionId
}

function checkAnchor(anchor: ThreadAnchor | null): ThreadAnchor | null {
  if (anchor === null) return null
  for (const position of [anchor.start, anchor.end]) {
    if (position.length === 0 || position.length > MAX_ANCHOR_CHARS || !BASE64.test(position)) {
      throw new SyncError(
        ErrorCode.BadRequest,
        `anchor.start and anchor.end must be base64 relative positions of at most ${MAX_ANCHOR_CHARS} characters`,
      )
    }
  }
  return { start: anchor.start, end: anchor.end }
}

function checkClientId(id: string | undefined): string | undefined {
  if (id !== undefined && !CLIENT_ID.test(id)) {
    throw new SyncError(ErrorCode.BadRequest, 'id must be 8 to 64 letters, digits, _ or - (a UUID fits)')
  }
  return id
}

function idTaken(what: string, id: string): SyncError {
  return new SyncError(ErrorCode.AlreadyExists, `a ${what} with id ${id} exists already; choose a new id`)
}

function noThread(threadId: string): SyncError {
  return new SyncError(ErrorCode.NotFound, `thread ${threadId} does not exist`)
}

function noComment(commentId: string): SyncError {
  return new SyncError(ErrorCode.NotFound, `comment ${commentId} does not exist`)
}
