import { createHash } from 'node:crypto'
import express, { type Request, type Response, type Router } from 'express'
import { z } from 'zod'
import { ThreadStatus, type Thread } from '../../shared/comments.js'
import type { Authenticator } from '../auth/authenticator.js'
import { AUTHOR_ID_HEADER, AUTHOR_NAME_HEADER, commentAuthor } from '../comments/comment-author.js'
import type { CommentActor, CommentService } from '../comments/comment-service.js'
import { checkDocId } from '../documents/document-service.js'
import type { ClientAddressOf } from './client-address.js'
import { parse } from './docs-routes.js'
import { requestToken } from './request-token.js'

/** Room for a longest body (10,000 characters, JSON-escaped) and a generous quote before it is cut. */
const MAX_THREADS_BODY_BYTES = 256 * 1024

const clientId = z.string().optional()
const anchorBody = z.object({ start: z.string(), end: z.string() }).strict()

const newThreadBody = z
  .object({
    id: clientId,
    body: z.string(),
    quote: z.string().optional(),
    anchor: anchorBody.nullable().optional(),
    suggestionId: z.string().nullable().optional(),
  })
  .strict()
const newCommentBody = z.object({ id: clientId, body: z.string() }).strict()
const statusBody = z.object({ status: z.enum([ThreadStatus.Open, ThreadStatus.Resolved]) }).strict()
const editBody = z.object({ body: z.string() }).strict()

export interface ThreadsRoutesOptions {
  comments: CommentService
  authenticator: Authenticator
  clientAddress: ClientAddressOf
}

/**
 * Comment threads under /api/docs/:docId/threads (docs/protocol.md, "Comments"). Any role reads;
 * comment and edit write threads and replies; only a comment's author edits or deletes it; edit
 * deletes whole threads. Where no token names a person, the author is the browser's claim in
 * X-Tandem-Author-Id / X-Tandem-Author-Name, marked unverified.
 */
export function threadsRoutes({ comments, authenticator, clientAddress }: ThreadsRoutesOptions): Router {
  const router = express.Router({ mergeParams: true })
  router.use(express.json({ limit: MAX_THREADS_BODY_BYTES }))

  const docIdOf = (request: Request) => checkDocId(String(request.params.docId))
  const actorFor = async (request: Request): Promise<CommentActor> => {
    const principal = await authenticator.authorize(requestToken(request), docIdOf(request))
    const author = commentAuthor(principal, {
      id: request.get(AUTHOR_ID_HEADER),
      name: request.get(AUTHOR_NAME_HEADER),
    })
    const rateKey = author.isVerified ? `user:${author.id}` : `address:${clientAddress(request)}`
    return { role: principal.role, author, rateKey }
  }
  const threadIdOf = (request: Request) => String(request.params.threadId)
  const commentIdOf = (request: Request) => String(request.params.commentId)

  router.get('/', async (request, response) => {
    await actorFor(request)
    const threads = await comments.list(docIdOf(request))
    const etag = threadsETag(threads)
    response.set('ETag', etag).set('Cache-Control', 'no-cache')
    if (etagMatches(request.get('if-none-match'), etag)) {
      response.status(304).end()
      return
    }
    response.json({ threads })
  })

  router.post('/', async (request, response) => {
    const actor = await actorFor(request)
    const body = parse(newThreadBody, request.body ?? {})
    const { value: thread, created } = await comments.createThread(docIdOf(request), actor, body)
    response
      .status(created ? 201 : 200)
      .location(`/api/docs/${docIdOf(request)}/threads/${thread.id}`)
      .json({ thread })
  })

  router.patch('/:threadId', async (request, response) => {
    const actor = await actorFor(request)
    const { status } = parse(statusBody, request.body ?? {})
    response.json({ thread: await comments.setStatus(docIdOf(request), threadIdOf(request), actor, status) })
  })

  router.delete('/:threadId', async (request, response) => {
    const actor = await actorFor(request)
    await comments.deleteThread(docIdOf(request), threadIdOf(request), actor)
    response.status(204).end()
  })

  router.post('/:threadId/comments', async (request, response) => {
    const actor = await actorFor(request)
    const body = parse(newCommentBody, request.body ?? {})
    const { value, created } = await comments.reply(docIdOf(request), threadIdOf(request), actor, body)
    response.status(created ? 201 : 200).json(value)
  })

  router.patch('/:threadId/comments/:commentId', async (request, response) => {
    const actor = await actorFor(request)
    const { body } = parse(editBody, request.body ?? {})
    const commentId = commentIdOf(request)
    const thread = await comments.editComment(docIdOf(request), threadIdOf(request), commentId, actor, body)
    response.json({ thread, comment: thread.comments.find((c) => c.id === commentId) })
  })

  /** `thread` is null when its last comment went, and the thread with it. */
  router.delete('/:threadId/comments/:commentId', async (request: Request, response: Response) => {
    const actor = await actorFor(request)
    const thread = await comments.deleteComment(docIdOf(request), threadIdOf(request), commentIdOf(request), actor)
    response.json({ thread })
  })

  return router
}

/** Weak (the JSON's bytes may vary with formatting; its meaning does not): a hash of every thread's state. */
export function threadsETag(threads: readonly Thread[]): string {
  return `W/"threads-${createHash('sha1').update(JSON.stringify(threads)).digest('base64url')}"`
}

function etagMatches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false
  const bare = etag.replace(/^W\//, '')
  return header
    .split(',')
    .map((t) => t.trim().replace(/^W\//, ''))
    .some((t) => t === bare || t === '*')
}
