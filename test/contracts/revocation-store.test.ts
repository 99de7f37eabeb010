import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { RevocationStore } from '../../server/auth/revocation-store.js'
import { storageBackends, type BackendUnderTest, type StorageFixture } from './storage-backends.js'

function runRevocationStoreContract(backend: BackendUnderTest) {
  describe(`RevocationStore contract: ${backend.name}`, () => {
    let opened: StorageFixture
    let fixture: { store: RevocationStore; reopen: () => Promise<RevocationStore> }
    beforeEach(async () => {
      opened = await backend.open()
      fixture = {
        store: opened.storage.revocations,
        reopen: async () => (await opened.openAgain()).revocations,
      }
    })
    afterEach(async () => opened.cleanup())

    it('lists nothing when empty', async () => {
      expect(await fixture.store.listSince(0)).toEqual([])
    })

    it('returns what was added, in id order, from after a given id', async () => {
      const { store } = fixture
      const token = await store.add({ kind: 'token', subject: 'jti-1', revokedAt: 1_000, expiresAt: 60_000 })
      const user = await store.add({ kind: 'user', subject: 'ann', revokedAt: 2_000, expiresAt: null })
      expect(user.id).toBeGreaterThan(token.id)
      expect(await store.listSince(0)).toEqual([
        { id: token.id, kind: 'token', subject: 'jti-1', revokedAt: 1_000, expiresAt: 60_000 },
        { id: user.id, kind: 'user', subject: 'ann', revokedAt: 2_000, expiresAt: null },
      ])
      expect(await store.listSince(token.id)).toEqual([user])
      expect(await store.listSince(user.id)).toEqual([])
    })

    it('keeps repeated revocations of one user as separate entries', async () => {
      const { store } = fixture
      await store.add({ kind: 'user', subject: 'ann', revokedAt: 1_000, expiresAt: null })
      await store.add({ kind: 'user', subject: 'ann', revokedAt: 5_000, expiresAt: null })
      expect((await store.listSince(0)).map((r) => r.revokedAt)).toEqual([1_000, 5_000])
    })

    it('prunes only token entries whose own expiry has passed', async () => {
      const { store } = fixture
      await store.add({ kind: 'token', subject: 'expired', revokedAt: 1_000, expiresAt: 10_000 })
      await store.add({ kind: 'token', subject: 'live', revokedAt: 1_000, expiresAt: 30_000 })
      await store.add({ kind: 'token', subject: 'bare-jti', revokedAt: 1_000, expiresAt: null })
      await store.add({ kind: 'user', subject: 'ann', revokedAt: 1_000, expiresAt: null })
      expect(await store.prune(20_000)).toBe(1)
      expect((await store.listSince(0)).map((r) => r.subject)).toEqual(['live', 'bare-jti', 'ann'])
    })

    it('never reuses an id, even after the newest entry was pruned', async () => {
      const { store } = fixture
      const first = await store.add({ kind: 'token', subject: 'a', revokedAt: 1, expiresAt: 2 })
      await store.prune(10)
      const second = await store.add({ kind: 'token', subject: 'b', revokedAt: 1, expiresAt: null })
      expect(second.id).toBeGreaterThan(first.id)
    })

    it('shares entries with another handle on the same storage', async () => {
      // The fixture's cleanup closes what reopen opened.
      const other = await fixture.reopen()
      const added = await other.add({ kind: 'token', subject: 'from-cli', revokedAt: 1, expiresAt: null })
      expect(await fixture.store.listSince(0)).toEqual([added])
    })

    it('makes concurrent revocations visible in id order', async () => {
      const added = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          fixture.store.add({ kind: 'token', subject: `t${i}`, revokedAt: i, expiresAt: null }),
        ),
      )
      const ids = (await fixture.store.listSince(0)).map((r) => r.id)
      expect(ids).toEqual([...ids].sort((a, b) => a - b))
      expect(new Set(ids)).toEqual(new Set(added.map((r) => r.id)))
    })
  })
}

for (const backend of storageBackends()) runRevocationStoreContract(backend)
