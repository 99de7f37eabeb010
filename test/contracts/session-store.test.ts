import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Session, SessionStore } from '../../server/auth/session-store.js'
import { storageBackends, type BackendUnderTest, type StorageFixture } from './storage-backends.js'

function session(id: string, personId: string, expiresAt = 10_000): Session {
  return { id, personId, csrfToken: `csrf-${id}`, idToken: null, createdAt: 1_000, expiresAt }
}

function runSessionStoreContract(backend: BackendUnderTest) {
  describe(`SessionStore contract: ${backend.name}`, () => {
    let opened: StorageFixture
    let store: SessionStore
    beforeEach(async () => {
      opened = await backend.open()
      store = opened.storage.sessions
    })
    afterEach(async () => opened.cleanup())

    it('returns null for an unknown session', async () => {
      expect(await store.get('nope')).toBeNull()
    })

    it('returns what was created, id token included', async () => {
      const created = { ...session('s1', 'ann'), idToken: 'eyJ.id.token' }
      await store.create(created)
      expect(await store.get('s1')).toEqual(created)
    })

    it('deletes one session and says whether it existed', async () => {
      await store.create(session('s1', 'ann'))
      await store.create(session('s2', 'ann'))
      expect(await store.delete('s1')).toBe(true)
      expect(await store.delete('s1')).toBe(false)
      expect(await store.get('s1')).toBeNull()
      expect(await store.get('s2')).not.toBeNull()
    })

    it("deletes every session of one person and nobody else's", async () => {
      await store.create(session('s1', 'ann'))
      await store.create(session('s2', 'ann'))
      await store.create(session('s3', 'bob'))
      expect(await store.deleteForPerson('ann')).toBe(2)
      expect(await store.get('s1')).toBeNull()
      expect(await store.get('s2')).toBeNull()
      expect(await store.get('s3')).not.toBeNull()
    })

    it('prunes only sessions whose expiry has passed', async () => {
      await store.create(session('old', 'ann', 5_000))
      await store.create(session('live', 'ann', 50_000))
      expect(await store.prune(10_000)).toBe(1)
      expect(await store.get('old')).toBeNull()
      expect(await store.get('live')).not.toBeNull()
    })

    it('shares sessions with another handle on the same storage (another instance)', async () => {
      const other = (await opened.openAgain()).sessions
      await other.create(session('elsewhere', 'ann'))
      expect(await store.get('elsewhere')).toEqual(session('elsewhere', 'ann'))
    })

    it('refuses a second session with the same id', async () => {
      await store.create(session('s1', 'ann'))
      await expect(store.create(session('s1', 'bob'))).rejects.toThrow()
    })
  })
}

for (const backend of storageBackends()) runSessionStoreContract(backend)
