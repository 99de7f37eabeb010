import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { MentionStore, NewMention } from '../../server/mentions/mention-store.js'
import { storageBackends, type BackendUnderTest, type StorageFixture } from './storage-backends.js'

const BOB = 'bob@example.com'
const DAN = 'dan@example.com'

let nextId = 0
function mention(overrides: Partial<NewMention> = {}): NewMention {
  nextId++
  return {
    id: `mention-${nextId}`,
    docId: 'doc',
    threadId: 'thread-1',
    commentId: `comment-${nextId}`,
    email: BOB,
    authorId: 'sub-ann',
    authorName: 'Ann',
    excerpt: 'Hi @Bob',
    createdAt: 1_000 + nextId,
    ...overrides,
  }
}

function runMentionStoreContract(backend: BackendUnderTest) {
  describe(`MentionStore contract: ${backend.name}`, () => {
    let opened: StorageFixture
    let store: MentionStore
    beforeEach(async () => {
      opened = await backend.open()
      store = opened.storage.mentions
    })
    afterEach(async () => opened.cleanup())

    it('has nothing for an email never mentioned', async () => {
      expect(await store.list(BOB, { limit: 10 })).toEqual({ mentions: [], next: null })
      expect(await store.unreadByDocument(BOB)).toEqual([])
    })

    it('records a mention once per comment and person, returning only what it added', async () => {
      const first = mention()
      expect(await store.add([first])).toEqual([{ ...first, readAt: null }])
      // The same comment mentioning Bob again (an edit), and Dan for the first time.
      const again = { ...first, id: 'another-id', excerpt: 'edited' }
      const dan = { ...first, id: 'dan-id', email: DAN }
      expect(await store.add([again, dan])).toEqual([{ ...dan, readAt: null }])
      expect((await store.list(BOB, { limit: 10 })).mentions).toEqual([{ ...first, readAt: null }])
      expect(await store.add([])).toEqual([])
    })

    it('adds a mention once when two instances record it at the same time', async () => {
      const other = (await opened.openAgain()).mentions
      const same = mention()
      const [here, there] = await Promise.all([store.add([same]), other.add([{ ...same, id: 'raced-id' }])])
      expect(here.length + there.length).toBe(1)
      expect((await store.list(BOB, { limit: 10 })).mentions).toHaveLength(1)
    })

    it('lists one email’s mentions newest first, a page at a time', async () => {
      const made = [mention(), mention(), mention({ email: DAN }), mention(), mention()]
      await store.add(made)
      const bobs = made.filter((m) => m.email === BOB).reverse()
      const first = await store.list(BOB, { limit: 3 })
      expect(first.mentions.map((m) => m.id)).toEqual(bobs.slice(0, 3).map((m) => m.id))
      expect(first.next).not.toBeNull()
      const second = await store.list(BOB, { limit: 3, before: first.next! })
      expect(second).toEqual({ mentions: [{ ...bobs[3]!, readAt: null }], next: null })
      expect((await store.list(DAN, { limit: 3 })).mentions.map((m) => m.id)).toEqual([made[2]!.id])
      // A page exactly full has no next page.
      expect((await store.list(BOB, { limit: 4 })).next).toBeNull()
    })

    it('counts unread mentions per document and marks only the email’s own read', async () => {
      const [inPlan, alsoInPlan, inNotes, dans] = [
        mention(),
        mention(),
        mention({ docId: 'notes' }),
        mention({ email: DAN }),
      ]
      await store.add([inPlan!, alsoInPlan!, inNotes!, dans!])
      const counts = async (email: string) =>
        Object.fromEntries((await store.unreadByDocument(email)).map(({ docId, count }) => [docId, count]))
      expect(await counts(BOB)).toEqual({ doc: 2, notes: 1 })
      // Dan cannot mark Bob's read, nor can ids that do not exist do anything.
      expect(await store.markRead(DAN, [inPlan!.id, 'missing'], 5_000)).toBe(0)
      expect(await store.markRead(BOB, [inPlan!.id, inNotes!.id, dans!.id], 5_000)).toBe(2)
      expect(await store.markRead(BOB, [inPlan!.id], 6_000)).toBe(0)
      expect(await counts(BOB)).toEqual({ doc: 1 })
      expect(await counts(DAN)).toEqual({ doc: 1 })
      const listed = (await store.list(BOB, { limit: 10 })).mentions
      expect(listed.find((m) => m.id === inPlan!.id)?.readAt).toBe(5_000)
      expect(listed.find((m) => m.id === alsoInPlan!.id)?.readAt).toBeNull()
      expect(await store.markRead(BOB, [], 7_000)).toBe(0)
    })

    // Memory storage has no reopen (its data lives and dies with one object), so it has no such test.
    if (backend.name !== 'memory') {
      it('keeps mentions and their read state across a restart', async () => {
        if (!opened.reopen) throw new Error(`${backend.name} storage should reopen`)
        const kept = mention()
        await store.add([kept, mention()])
        await store.markRead(BOB, [kept.id], 9_000)
        const reopened = (await opened.reopen()).mentions
        const listed = (await reopened.list(BOB, { limit: 10 })).mentions
        expect(listed).toHaveLength(2)
        expect(listed.find((m) => m.id === kept.id)).toEqual({ ...kept, readAt: 9_000 })
      })
    }

    it('forgets the mentions of a deleted comment, thread or document', async () => {
      const [one, two, otherThread, otherDoc] = [
        mention({ commentId: 'c1' }),
        mention({ commentId: 'c2' }),
        mention({ threadId: 'thread-2', commentId: 'c1' }),
        mention({ docId: 'other', commentId: 'c1' }),
      ]
      await store.add([one!, two!, otherThread!, otherDoc!])
      const ids = async () => (await store.list(BOB, { limit: 10 })).mentions.map((m) => m.id).sort()
      await store.forgetComment('doc', 'thread-1', 'c1')
      expect(await ids()).toEqual([two!.id, otherThread!.id, otherDoc!.id].sort())
      await store.forgetThread('doc', 'thread-2')
      expect(await ids()).toEqual([two!.id, otherDoc!.id].sort())
      await store.forgetDocument('doc')
      expect(await ids()).toEqual([otherDoc!.id])
    })
  })
}

for (const backend of storageBackends()) runMentionStoreContract(backend)
