import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { PeopleStore } from '../../server/people/people-store.js'
import { storageBackends, type BackendUnderTest, type StorageFixture } from './storage-backends.js'

const ann = { id: 'sub-ann', name: 'Ann', email: 'ann@example.com', colour: '#aa3355' }
const bob = { id: 'sub-bob', name: 'Bob', email: 'bob@example.com', colour: '#3355aa' }

function runPeopleStoreContract(backend: BackendUnderTest) {
  describe(`PeopleStore contract: ${backend.name}`, () => {
    let opened: StorageFixture
    let store: PeopleStore
    beforeEach(async () => {
      opened = await backend.open()
      store = opened.storage.people
    })
    afterEach(async () => opened.cleanup())

    it('creates a person at first sign-in', async () => {
      expect(await store.savePerson(ann, 1_000)).toEqual({ ...ann, createdAt: 1_000, lastSeenAt: 1_000 })
      expect(await store.person(ann.id)).toEqual({ ...ann, createdAt: 1_000, lastSeenAt: 1_000 })
      expect(await store.person('nobody')).toBeNull()
    })

    it('refreshes name and email at a later sign-in, keeping colour and creation time', async () => {
      await store.savePerson(ann, 1_000)
      const again = await store.savePerson(
        { ...ann, name: 'Ann B', email: 'ann.b@example.com', colour: '#000000' },
        2_000,
      )
      expect(again).toEqual({ ...ann, name: 'Ann B', email: 'ann.b@example.com', createdAt: 1_000, lastSeenAt: 2_000 })
    })

    it('finds a person by email, the most recently seen when several share it', async () => {
      await store.savePerson(ann, 1_000)
      await store.savePerson({ ...bob, email: ann.email }, 2_000)
      expect((await store.personByEmail(ann.email))?.id).toBe(bob.id)
      expect(await store.personByEmail('nobody@example.com')).toBeNull()
    })

    it('keeps a person without an email', async () => {
      await store.savePerson({ ...ann, email: null }, 1_000)
      expect((await store.person(ann.id))?.email).toBeNull()
    })

    it('lets the first claim of a document win', async () => {
      expect(await store.access('doc')).toBeNull()
      expect(await store.claim('doc', ann.id)).toBe(true)
      expect(await store.claim('doc', bob.id)).toBe(false)
      expect(await store.access('doc')).toEqual({
        docId: 'doc',
        ownerId: ann.id,
        linkRole: null,
        editorsCanShare: false,
      })
      expect(await store.ownedBy(ann.id)).toEqual(['doc'])
      expect(await store.ownedBy(bob.id)).toEqual([])
    })

    it('saves owner, link role and editors sharing together', async () => {
      await store.claim('doc', ann.id)
      await store.saveAccess({ docId: 'doc', ownerId: bob.id, linkRole: 'comment', editorsCanShare: true })
      expect(await store.access('doc')).toEqual({
        docId: 'doc',
        ownerId: bob.id,
        linkRole: 'comment',
        editorsCanShare: true,
      })
      await store.saveAccess({ docId: 'fresh', ownerId: null, linkRole: null, editorsCanShare: false })
      expect(await store.access('fresh')).toEqual({
        docId: 'fresh',
        ownerId: null,
        linkRole: null,
        editorsCanShare: false,
      })
    })

    it('keeps shares in the order given, a changed role in its place', async () => {
      await store.saveShare({ docId: 'doc', email: 'b@x.org', role: 'view', sharedBy: ann.id, createdAt: 1 })
      await store.saveShare({ docId: 'doc', email: 'c@x.org', role: 'edit', sharedBy: ann.id, createdAt: 2 })
      await store.saveShare({ docId: 'doc', email: 'b@x.org', role: 'comment', sharedBy: bob.id, createdAt: 3 })
      expect(await store.shares('doc')).toEqual([
        { docId: 'doc', email: 'b@x.org', role: 'comment', sharedBy: bob.id, createdAt: 1 },
        { docId: 'doc', email: 'c@x.org', role: 'edit', sharedBy: ann.id, createdAt: 2 },
      ])
      expect(await store.shares('other')).toEqual([])
    })

    it('lists what was shared with an email across documents', async () => {
      await store.saveShare({ docId: 'one', email: 'b@x.org', role: 'view', sharedBy: ann.id, createdAt: 1 })
      await store.saveShare({ docId: 'two', email: 'b@x.org', role: 'edit', sharedBy: ann.id, createdAt: 2 })
      await store.saveShare({ docId: 'two', email: 'c@x.org', role: 'edit', sharedBy: ann.id, createdAt: 3 })
      expect((await store.sharedWith('b@x.org')).map((s) => [s.docId, s.role])).toEqual([
        ['one', 'view'],
        ['two', 'edit'],
      ])
    })

    it('removes a share and says whether there was one', async () => {
      await store.saveShare({ docId: 'doc', email: 'b@x.org', role: 'view', sharedBy: ann.id, createdAt: 1 })
      expect(await store.removeShare('doc', 'b@x.org')).toBe(true)
      expect(await store.removeShare('doc', 'b@x.org')).toBe(false)
      expect(await store.shares('doc')).toEqual([])
    })

    it('forgets a deleted document: owner, link and shares', async () => {
      await store.claim('doc', ann.id)
      await store.saveShare({ docId: 'doc', email: 'b@x.org', role: 'view', sharedBy: ann.id, createdAt: 1 })
      await store.forgetDocument('doc')
      expect(await store.access('doc')).toBeNull()
      expect(await store.shares('doc')).toEqual([])
      expect(await store.claim('doc', bob.id)).toBe(true)
    })

    it('shares people and documents with another handle on the same storage', async () => {
      const other = (await opened.openAgain()).people
      await other.savePerson(ann, 1_000)
      await other.claim('doc', ann.id)
      expect((await store.person(ann.id))?.name).toBe('Ann')
      expect((await store.access('doc'))?.ownerId).toBe(ann.id)
    })
  })
}

for (const backend of storageBackends()) runPeopleStoreContract(backend)
