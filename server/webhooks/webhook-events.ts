import type { Comment, CommentAuthor, Thread, ThreadStatus } from '../../shared/comments.js'
import type { DocId } from '../../shared/ids.js'

/**
 * What a webhook receiver is told (docs/operations.md, "Webhooks"). Receivers should ignore types
 * they do not know: new ones may be added.
 */
export const WebhookEventType = {
  ThreadCreated: 'thread.created',
  CommentCreated: 'comment.created',
  ThreadResolved: 'thread.resolved',
  DocumentChanged: 'document.changed',
  CommentMentioned: 'comment.mentioned',
} as const
export type WebhookEventType = (typeof WebhookEventType)[keyof typeof WebhookEventType]

/** A thread as events name it: enough to link to it and quote it, without its whole conversation. */
export interface WebhookThread {
  /** The thread's id, as in GET /api/docs/<docId>/threads. */
  id: string
  /** Its status after the event. */
  status: ThreadStatus
  /** The text the thread was started on (empty for a comment on the whole document). */
  quote: string
}

/** One comment, its body included: operators turn events into mail and chat messages. */
export interface WebhookComment {
  /** The comment's id, as in the REST API. */
  id: string
  /** Plain text as the author typed it; render it as text, never as HTML. */
  body: string
  /** Who wrote it; `isVerified` is false when the name is only the browser's claim. */
  author: CommentAuthor
  /** ISO 8601. */
  createdAt: string
}

interface WebhookEventBase<Type extends WebhookEventType> {
  /** Unique per event and the same on every retry of it: receivers de-duplicate on it. */
  id: string
  /** One of WebhookEventType. */
  type: Type
  /** When the server noticed what happened, ISO 8601. */
  createdAt: string
  /** The document it happened in. */
  docId: DocId
}

/** A new thread; `comment` is its opening comment. */
export interface ThreadCreatedEvent extends WebhookEventBase<typeof WebhookEventType.ThreadCreated> {
  /** The new thread. */
  thread: WebhookThread
  /** Its first comment. */
  comment: WebhookComment
}

/** A reply in an existing thread. */
export interface CommentCreatedEvent extends WebhookEventBase<typeof WebhookEventType.CommentCreated> {
  /** The thread replied to. */
  thread: WebhookThread
  /** The reply. */
  comment: WebhookComment
}

/** A thread marked resolved. */
export interface ThreadResolvedEvent extends WebhookEventBase<typeof WebhookEventType.ThreadResolved> {
  /** The thread, now resolved. */
  thread: WebhookThread
  /** Who resolved it. */
  resolvedBy: CommentAuthor
}

/** Who a mention names: the person when they have signed in before, else the address the document is shared with. */
export interface WebhookMentionedPerson {
  /** Their person id (the provider's `sub`); absent when nobody has signed in with the email yet. */
  id?: string
  /** Their name as the provider gives it, else the label the author wrote. */
  name: string
  /** Lowercased. */
  email: string
}

/**
 * A comment (new, or edited to add the person) mentions someone who has access to the document:
 * one event per person, once per comment. Only on servers with sign-in, only from signed-in authors.
 */
export interface CommentMentionedEvent extends WebhookEventBase<typeof WebhookEventType.CommentMentioned> {
  /** The document's title when the mention was made ('' when it has none). */
  documentTitle: string
  /** The thread the comment is in. */
  thread: WebhookThread
  /** The mentioning comment, its body as stored (mentions written `@[name](email)`). */
  comment: WebhookComment
  /** Who is mentioned. */
  mentioned: WebhookMentionedPerson
}

/**
 * The document's content changed and the change is stored. Sent at most once per document per
 * WEBHOOK_DOCUMENT_CHANGED_INTERVAL_MS by each instance: the first change at once, later ones in
 * that interval folded into one event at its end. Fetch the content over REST if you need it.
 */
export type DocumentChangedEvent = WebhookEventBase<typeof WebhookEventType.DocumentChanged>

export type WebhookEvent =
  ThreadCreatedEvent | CommentCreatedEvent | ThreadResolvedEvent | DocumentChangedEvent | CommentMentionedEvent

/** What producers hand to `notify()`: the notifier stamps `id` and `createdAt`. */
export type WebhookEventInput = WebhookEvent extends infer Event
  ? Event extends WebhookEvent
    ? Omit<Event, 'id' | 'createdAt'>
    : never
  : never

export function threadCreatedEvent(docId: DocId, thread: Thread): WebhookEventInput {
  const opening = thread.comments[0]
  if (!opening) throw new Error(`thread ${thread.id} has no comment to announce`)
  return {
    type: WebhookEventType.ThreadCreated,
    docId,
    thread: webhookThread(thread),
    comment: webhookComment(opening),
  }
}

export function commentCreatedEvent(docId: DocId, thread: Thread, comment: Comment): WebhookEventInput {
  return {
    type: WebhookEventType.CommentCreated,
    docId,
    thread: webhookThread(thread),
    comment: webhookComment(comment),
  }
}

export function threadResolvedEvent(docId: DocId, thread: Thread, resolvedBy: CommentAuthor): WebhookEventInput {
  return {
    type: WebhookEventType.ThreadResolved,
    docId,
    thread: webhookThread(thread),
    resolvedBy: { id: resolvedBy.id, name: resolvedBy.name, isVerified: resolvedBy.isVerified },
  }
}

export function commentMentionedEvent(
  docId: DocId,
  documentTitle: string,
  thread: Thread,
  comment: Comment,
  mentioned: WebhookMentionedPerson,
): WebhookEventInput {
  return {
    type: WebhookEventType.CommentMentioned,
    docId,
    documentTitle,
    thread: webhookThread(thread),
    comment: webhookComment(comment),
    mentioned: {
      ...(mentioned.id === undefined ? {} : { id: mentioned.id }),
      name: mentioned.name,
      email: mentioned.email,
    },
  }
}

export function documentChangedEvent(docId: DocId): WebhookEventInput {
  return { type: WebhookEventType.DocumentChanged, docId }
}

/** Fields are copied one by one: a field added to Thread or Comment later must not leave the server unnoticed. */
function webhookThread(thread: Thread): WebhookThread {
  return { id: thread.id, status: thread.status, quote: thread.quote }
}

function webhookComment(comment: Comment): WebhookComment {
  const { author } = comment
  return {
    id: comment.id,
    body: comment.body,
    author: { id: author.id, name: author.name, isVerified: author.isVerified },
    createdAt: comment.createdAt,
  }
}
