import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { CommentStore, NewComment, NewThread } from '../../server/comments/comment-store.js'
import { storageBackends, type BackendUnderTest, type StorageFixture } from './storage-backends.js'

const ann = { id: 'ann-id', name: 'Ann', isVerified: true }
const bob = { id: 'bob-id', name: 'Bob', isVerified: false }

function comment(id: string, body: string, at: number, author = ann): NewComment {
  return { id, body, author, at }
}

function thread(id: string, at: number, overrides: Partial<NewThread> = {}): NewThread {
  return {
    id,
    quote: 'the quoted text',
    anchor: { start: 'AQID', end: 'BAUG' },
    comment: comment(`${id}-c1`, `opening of ${id}`, at),
    ...overrides,
  }
}

const iso = (millis: number) => new Date(millis).toISOString()

function runCommentStoreContract(backend: BackendUnderTest) {
  describe(`CommentStore contract: ${backend.name}`, () => {
    let opened: StorageFixture
    let store: CommentStore
    beforeEach(async () => {
      opened = await backend.open()
      store = opened.storage.comments
    })
    afterEach(async () => opened.cleanup())

    it('lists nothing for a document without threads', async () => {
      expect(await store.listThreads('doc')).toEqual([])
      expect(await store.countThreads('doc')).toBe(0)
      expect(await store.getThread('doc', 'missing')).toBeNull()
    })

    it('creates a thread with its opening comment and returns its full state', async () => {
      const created = await store.createThread('doc', thread('t1', 1_000))
      expect(created).toEqual({
        id: 't1',
        status: 'open',
        quote: 'the quoted text',
        anchor: { start: 'AQID', end: 'BAUG' },
        suggestionId: null,
        comments: [{ id: 't1-c1', body: 'opening of t1', author: ann, createdAt: iso(1_000), editedAt: null }],
        createdAt: iso(1_000),
        updatedAt: iso(1_000),
      })
      expect(await store.getThread('doc', 't1')).toEqual(created)
      expect(await store.listThreads('doc')).toEqual([created])
      expect(await store.countThreads('doc')).toBe(1)
    })

    it('keeps the suggestion a thread discusses, and null for a thread that discusses none', async () => {
      const linked = await store.createThread('doc', thread('t1', 1_000, { suggestionId: 'ann-id:k3x9.2' }))
      const plain = await store.createThread('doc', thread('t2', 2_000, { suggestionId: null }))
      const unset = await store.createThread('doc', thread('t3', 3_000))
      expect([linked.suggestionId, plain.suggestionId, unset.suggestionId]).toEqual(['ann-id:k3x9.2', null, null])
      expect((await store.getThread('doc', 't1'))!.suggestionId).toBe('ann-id:k3x9.2')
      expect((await store.listThreads('doc')).map((t) => t.suggestionId)).toEqual(['ann-id:k3x9.2', null, null])
      // Later writes keep it.
      const resolved = await store.setStatus('doc', 't1', 'resolved', 4_000)
      const replied = await store.addComment('doc', 't1', comment('t1-c2', 'a reply', 5_000, bob))
      expect([resolved!.suggestionId, replied!.suggestionId]).toEqual(['ann-id:k3x9.2', 'ann-id:k3x9.2'])
    })

    it('keeps a whole-document thread without an anchor', async () => {
      const created = await store.createThread('doc', thread('t1', 1_000, { anchor: null, quote: '' }))
      expect(created.anchor).toBeNull()
      expect((await store.getThread('doc', 't1'))!.anchor).toBeNull()
    })

    it('writes nothing when a thread id exists already, returning the existing thread', async () => {
      const first = await store.createThread('doc', thread('t1', 1_000))
      const again = await store.createThread(
        'doc',
        thread('t1', 2_000, { quote: 'other', comment: comment('x', 'other body', 2_000, bob) }),
      )
      expect(again).toEqual(first)
      expect(await store.listThreads('doc')).toEqual([first])
    })

    it('lists threads oldest first and keeps documents apart', async () => {
      await store.createThread('doc', thread('b', 1_000))
      await store.createThread('doc', thread('a', 2_000))
      await store.createThread('other', thread('c', 500))
      expect((await store.listThreads('doc')).map((t) => t.id)).toEqual(['b', 'a'])
      expect((await store.listThreads('other')).map((t) => t.id)).toEqual(['c'])
      expect(await store.getThread('other', 'a')).toBeNull()
    })

    it('appends replies in the order written and moves updatedAt', async () => {
      await store.createThread('doc', thread('t1', 1_000))
      await store.addComment('doc', 't1', comment('r1', 'first reply', 2_000, bob))
      const after = await store.addComment('doc', 't1', comment('r2', 'second reply', 3_000))
      expect(after!.comments.map((c) => [c.id, c.body, c.author])).toEqual([
        ['t1-c1', 'opening of t1', ann],
        ['r1', 'first reply', bob],
        ['r2', 'second reply', ann],
      ])
      expect(after!.updatedAt).toBe(iso(3_000))
      expect(after!.createdAt).toBe(iso(1_000))
      expect(await store.getThread('doc', 't1')).toEqual(after)
    })

    it('adds a comment with an existing id only once', async () => {
      await store.createThread('doc', thread('t1', 1_000))
      await store.addComment('doc', 't1', comment('r1', 'reply', 2_000))
      const again = await store.addComment('doc', 't1', comment('r1', 'reply', 5_000))
      expect(again!.comments.map((c) => c.id)).toEqual(['t1-c1', 'r1'])
      expect(again!.updatedAt).toBe(iso(2_000))
    })

    it('answers null for comments on a thread that does not exist', async () => {
      await store.createThread('doc', thread('t1', 1_000))
      expect(await store.addComment('doc', 'missing', comment('r1', 'x', 2_000))).toBeNull()
      expect(await store.addComment('other', 't1', comment('r1', 'x', 2_000))).toBeNull()
      expect(await store.listThreads('other')).toEqual([])
    })

    it('edits a comment body, setting editedAt and updatedAt', async () => {
      await store.createThread('doc', thread('t1', 1_000))
      const edited = await store.editComment('doc', 't1', 't1-c1', 'new words', 4_000)
      expect(edited!.comments[0]).toMatchObject({ body: 'new words', editedAt: iso(4_000), createdAt: iso(1_000) })
      expect(edited!.updatedAt).toBe(iso(4_000))
      expect(await store.editComment('doc', 't1', 'missing', 'x', 5_000)).toBeNull()
      expect(await store.editComment('doc', 'missing', 't1-c1', 'x', 5_000)).toBeNull()
      expect((await store.getThread('doc', 't1'))!.updatedAt).toBe(iso(4_000))
    })

    it('deletes one comment, and may leave a thread with none', async () => {
      await store.createThread('doc', thread('t1', 1_000))
      await store.addComment('doc', 't1', comment('r1', 'reply', 2_000))
      const after = await store.deleteComment('doc', 't1', 't1-c1', 3_000)
      expect(after!.comments.map((c) => c.id)).toEqual(['r1'])
      expect(after!.updatedAt).toBe(iso(3_000))
      expect(await store.deleteComment('doc', 't1', 't1-c1', 4_000)).toBeNull()
      const empty = await store.deleteComment('doc', 't1', 'r1', 5_000)
      expect(empty!.comments).toEqual([])
    })

    it('resolves and reopens', async () => {
      await store.createThread('doc', thread('t1', 1_000))
      const resolved = await store.setStatus('doc', 't1', 'resolved', 2_000)
      expect(resolved).toMatchObject({ status: 'resolved', updatedAt: iso(2_000) })
      expect((await store.setStatus('doc', 't1', 'open', 3_000))!.status).toBe('open')
      expect(await store.setStatus('doc', 'missing', 'resolved', 3_000)).toBeNull()
    })

    it('deletes a thread with its comments', async () => {
      await store.createThread('doc', thread('t1', 1_000))
      await store.createThread('doc', thread('t2', 1_500))
      await store.addComment('doc', 't1', comment('r1', 'reply', 2_000))
      expect(await store.deleteThread('doc', 't1')).toBe(true)
      expect(await store.deleteThread('doc', 't1')).toBe(false)
      expect((await store.listThreads('doc')).map((t) => t.id)).toEqual(['t2'])
      // The id is free again, with no comment of the old thread left behind.
      const fresh = await store.createThread('doc', thread('t1', 3_000))
      expect(fresh.comments.map((c) => c.createdAt)).toEqual([iso(3_000)])
    })

    it('deletes every thread of a deleted document, and only of that one', async () => {
      await store.createThread('doc', thread('t1', 1_000))
      await store.addComment('doc', 't1', comment('r1', 'reply', 2_000))
      await store.createThread('other', thread('t9', 1_000))
      await store.deleteDocument('doc')
      expect(await store.listThreads('doc')).toEqual([])
      expect(await store.countThreads('doc')).toBe(0)
      expect((await store.listThreads('other')).map((t) => t.id)).toEqual(['t9'])
    })

    it('stores bodies as they are: markup, quotes and any Unicode', async () => {
      const body = `<img src=x onerror="alert('x')"> 'quoted' \\ 🎉 ${'é'.repeat(50)}`
      await store.createThread('doc', thread('t1', 1_000, { comment: comment('c', body, 1_000) }))
      expect((await store.getThread('doc', 't1'))!.comments[0]!.body).toBe(body)
    })

    it('hands out copies: changing a returned thread changes nothing stored', async () => {
      const created = await store.createThread('doc', thread('t1', 1_000))
      created.comments[0]!.body = 'tampered'
      created.status = 'resolved'
      expect(await store.getThread('doc', 't1')).toMatchObject({
        status: 'open',
        comments: [{ body: 'opening of t1' }],
      })
    })

    it('shares threads with another handle on the same storage', async () => {
      const other = (await opened.openAgain()).comments
      await other.createThread('doc', thread('t1', 1_000))
      await store.addComment('doc', 't1', comment('r1', 'reply', 2_000))
      expect((await other.getThread('doc', 't1'))!.comments.map((c) => c.id)).toEqual(['t1-c1', 'r1'])
      expect((await store.listThreads('doc')).map((t) => t.id)).toEqual(['t1'])
    })

    // Memory storage has no reopen (its data lives and dies with one object), so it has no such test.
    if (backend.name !== 'memory') {
      it('keeps threads across a reopen', async () => {
        if (!opened.reopen) throw new Error(`${backend.name} storage should reopen`)
        await store.createThread('doc', thread('t1', 1_000))
        await store.addComment('doc', 't1', comment('r1', 'reply', 2_000, bob))
        await store.setStatus('doc', 't1', 'resolved', 3_000)
        const before = await store.listThreads('doc')
        const reopened = (await opened.reopen()).comments
        expect(await reopened.listThreads('doc')).toEqual(before)
        expect(before[0]!.comments[1]!.author).toEqual(bob)
      })
    }

    it('stores concurrent replies to one thread, each once', async () => {
      await store.createThread('doc', thread('t1', 1_000))
      await Promise.all(
        Array.from({ length: 10 }, (_, i) => store.addComment('doc', 't1', comment(`r${i}`, `reply ${i}`, 2_000 + i))),
      )
      const ids = (await store.getThread('doc', 't1'))!.comments.map((c) => c.id)
      expect(ids).toHaveLength(11)
      expect(new Set(ids).size).toBe(11)
    })
  })
}

for (const backend of storageBackends()) runCommentStoreContract(backend)
