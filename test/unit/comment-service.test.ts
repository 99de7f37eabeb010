import { beforeEach, describe, expect, it } from 'vitest'
import type { ThreadEvent } from '../../shared/comments.js'
import type { DocId } from '../../shared/ids.js'
import { CommentService, type CommentActor } from '../../server/comments/comment-service.js'
import { MemoryCommentStore } from '../../server/storage/memory/memory-comment-store.js'
import type { WebhookEventInput } from '../../server/webhooks/webhook-events.js'

const DOC = 'doc' as DocId
const actor = (role: CommentActor['role'], id = 'ann', isVerified = true): CommentActor => ({
  role,
  author: { id, name: id.toUpperCase(), isVerified },
  rateKey: id,
})

describe('CommentService', () => {
  let published: { docId: string; event: ThreadEvent }[]
  let notified: WebhookEventInput[]
  let store: MemoryCommentStore
  let clock: number
  let service: CommentService

  beforeEach(() => {
    published = []
    notified = []
    store = new MemoryCommentStore()
    clock = 1_000
    service = new CommentService({
      store,
      documentExists: async (docId) => docId === DOC,
      limits: { maxThreadsPerDocument: 10, maxCommentsPerThread: 10, commentsPerMinute: 3 },
      threadFeed: { publish: (docId, event) => published.push({ docId, event }) },
      notify: (event) => notified.push(event),
      now: () => clock,
    })
  })

  it('publishes each durable change to the thread feed, with the stored state', async () => {
    const { value: thread } = await service.createThread(DOC, actor('comment'), { body: 'hi' })
    const { value: replied } = await service.reply(DOC, thread.id, actor('edit', 'bob'), { body: 'yo' })
    await service.setStatus(DOC, thread.id, actor('comment'), 'resolved')
    await service.editComment(DOC, thread.id, thread.comments[0]!.id, actor('comment'), 'hello')
    await service.deleteComment(DOC, thread.id, replied.comment.id, actor('edit', 'bob'))
    await service.deleteThread(DOC, thread.id, actor('edit', 'carol'))
    expect(published.map(({ docId, event }) => [docId, event.kind])).toEqual([
      ['doc', 'upsert'],
      ['doc', 'upsert'],
      ['doc', 'upsert'],
      ['doc', 'upsert'],
      ['doc', 'upsert'],
      ['doc', 'delete'],
    ])
    const upserts = published.flatMap(({ event }) => (event.kind === 'upsert' ? [event.thread] : []))
    expect(upserts.map((t) => t.comments.length)).toEqual([1, 2, 2, 2, 1])
    expect(upserts[2]!.status).toBe('resolved')
    expect(published[5]!.event).toEqual({ kind: 'delete', threadId: thread.id })
    expect(await store.listThreads(DOC)).toEqual([])
  })

  it('publishes nothing for a refused write or a re-sent one, and a delete when a last comment goes', async () => {
    await expect(service.createThread(DOC, actor('view'), { body: 'x' })).rejects.toThrow(
      /view-only: cannot start threads/,
    )
    const { value: thread } = await service.createThread(DOC, actor('comment'), { id: 'client-id-1', body: 'x' })
    const again = await service.createThread(DOC, actor('comment'), { id: 'client-id-1', body: 'x' })
    expect(again.created).toBe(false)
    expect(published).toHaveLength(1)
    expect(await service.deleteComment(DOC, thread.id, thread.comments[0]!.id, actor('comment'))).toBeNull()
    expect(published.map((p) => p.event.kind)).toEqual(['upsert', 'delete'])
  })

  it('announces thread.created, comment.created and thread.resolved (only on an actual resolve)', async () => {
    const { value: thread } = await service.createThread(DOC, actor('comment'), { body: 'hi', quote: 'q' })
    await service.reply(DOC, thread.id, actor('comment', 'bob'), { body: 'yo' })
    await service.setStatus(DOC, thread.id, actor('comment', 'bob'), 'resolved')
    await service.setStatus(DOC, thread.id, actor('comment', 'bob'), 'resolved')
    await service.setStatus(DOC, thread.id, actor('comment'), 'open')
    expect(notified.map((e) => e.type)).toEqual(['thread.created', 'comment.created', 'thread.resolved'])
  })

  it('keeps a stored change when the feed or the notifier throws', async () => {
    const throwing = new CommentService({
      store,
      documentExists: async () => true,
      limits: { maxThreadsPerDocument: 10, maxCommentsPerThread: 10, commentsPerMinute: 0 },
      threadFeed: {
        publish: () => {
          throw new Error('feed down')
        },
      },
      notify: () => {
        throw new Error('queue full')
      },
    })
    const { value } = await throwing.createThread(DOC, actor('edit'), { body: 'kept' })
    expect(await store.getThread(DOC, value.id)).toEqual(value)
  })

  it('refills the rate budget over a minute', async () => {
    for (let i = 0; i < 3; i++) await service.createThread(DOC, actor('comment'), { body: `t${i}` })
    await expect(service.createThread(DOC, actor('comment'), { body: 'over' })).rejects.toThrow(/too fast/)
    // Another author has a budget of their own.
    await service.createThread(DOC, actor('comment', 'bob'), { body: 'bob' })
    clock += 20_000 // a third of a minute: one write's worth
    await service.createThread(DOC, actor('comment'), { body: 'later' })
    await expect(service.createThread(DOC, actor('comment'), { body: 'over' })).rejects.toThrow(/too fast/)
  })

  it('lets only editors delete whole threads, and only authors change their comments', async () => {
    const { value: thread } = await service.createThread(DOC, actor('comment'), { body: 'mine' })
    const commentId = thread.comments[0]!.id
    await expect(service.deleteThread(DOC, thread.id, actor('comment'))).rejects.toThrow(/only editors/)
    await expect(service.editComment(DOC, thread.id, commentId, actor('edit', 'bob'), 'x')).rejects.toThrow(
      /only its author can edit/,
    )
    // Same id, but an unverified claim: not the verified author.
    await expect(service.editComment(DOC, thread.id, commentId, actor('edit', 'ann', false), 'x')).rejects.toThrow(
      /only its author/,
    )
    await expect(service.list('other' as DocId)).rejects.toThrow(/document other does not exist/)
  })
})
