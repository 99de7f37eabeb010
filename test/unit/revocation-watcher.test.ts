import { describe, expect, it } from 'vitest'
import { MemoryRevocationStore } from '../../server/storage/memory/memory-revocation-store.js'
import { RevocationWatcher, type RevocableIdentity } from '../../server/auth/revocation-watcher.js'
import { createLogger } from '../../server/logger.js'

const log = createLogger('silent')
const identity = (overrides: Partial<RevocableIdentity> = {}): RevocableIdentity => ({
  tokenId: 'jti-1',
  userId: 'ann',
  issuedAt: 10_000,
  isVerified: true,
  ...overrides,
})

async function started(store = new MemoryRevocationStore()) {
  const watcher = new RevocationWatcher({ store, pollMs: 60_000, log })
  await watcher.start()
  return { store, watcher }
}

describe('RevocationWatcher', () => {
  it('refuses a revoked token id once polled, and nothing else', async () => {
    const { store, watcher } = await started()
    await store.add({ kind: 'token', subject: 'jti-1', revokedAt: 1, expiresAt: null })
    expect(watcher.revocationOf(identity())).toBeNull() // not polled yet
    await watcher.poll()
    expect(watcher.revocationOf(identity())?.code).toBe('token-revoked')
    expect(watcher.revocationOf(identity({ tokenId: 'jti-2' }))).toBeNull()
    watcher.stop()
  })

  it("refuses a user's tokens issued in or before the revocation's second, not later ones", async () => {
    const { store, watcher } = await started()
    await store.add({ kind: 'user', subject: 'ann', revokedAt: 20_500, expiresAt: null })
    await watcher.poll()
    expect(watcher.revocationOf(identity({ issuedAt: 19_000 }))).not.toBeNull()
    expect(watcher.revocationOf(identity({ issuedAt: 20_000 }))).not.toBeNull() // same second
    expect(watcher.revocationOf(identity({ issuedAt: undefined }))).not.toBeNull()
    expect(watcher.revocationOf(identity({ issuedAt: 21_000 }))).toBeNull()
    expect(watcher.revocationOf(identity({ userId: 'bob' }))).toBeNull()
    watcher.stop()
  })

  it('loads revocations made before it started', async () => {
    const store = new MemoryRevocationStore()
    await store.add({ kind: 'token', subject: 'jti-1', revokedAt: 1, expiresAt: null })
    const { watcher } = await started(store)
    expect(watcher.revocationOf(identity())).not.toBeNull()
    watcher.stop()
  })

  it('tells a watching session once, and not after it stopped watching', async () => {
    const { store, watcher } = await started()
    const told: string[] = []
    watcher.watch(identity(), (error) => told.push(`a:${error.code}`))
    const stop = watcher.watch(identity({ tokenId: 'jti-2' }), () => told.push('b'))
    stop()
    await store.add({ kind: 'token', subject: 'jti-1', revokedAt: 1, expiresAt: null })
    await store.add({ kind: 'user', subject: 'ann', revokedAt: 60_000, expiresAt: null })
    await watcher.poll()
    expect(told).toEqual(['a:token-revoked'])
    watcher.stop()
  })

  it('tells a session that starts watching an already revoked token (a poll raced its authorisation)', async () => {
    const { store, watcher } = await started()
    await store.add({ kind: 'token', subject: 'jti-1', revokedAt: 1, expiresAt: null })
    await watcher.poll()
    const told: string[] = []
    watcher.watch(identity(), (error) => told.push(error.code))
    await Promise.resolve()
    expect(told).toEqual(['token-revoked'])
    watcher.stop()
  })

  it("refuses one person's tokens for one document (access), not their other documents nor other people", async () => {
    const { store, watcher } = await started()
    await store.add({ kind: 'access', subject: 'plan:ann', revokedAt: 20_500, expiresAt: null })
    await watcher.poll()
    expect(watcher.revocationOf(identity({ docPattern: 'plan' }))).not.toBeNull()
    expect(watcher.revocationOf(identity({ docPattern: 'other' }))).toBeNull()
    expect(watcher.revocationOf(identity({ docPattern: 'plan', userId: 'bob' }))).toBeNull()
    // A pattern names no one document: access revocations are for sign-in's exact tokens.
    expect(watcher.revocationOf(identity({ docPattern: 'pl*' }))).toBeNull()
    watcher.stop()
  })

  it("refuses every token for one document (its link turned off), whoever's", async () => {
    const { store, watcher } = await started()
    await store.add({ kind: 'document', subject: 'plan', revokedAt: 20_500, expiresAt: null })
    await watcher.poll()
    expect(watcher.revocationOf(identity({ docPattern: 'plan', userId: 'guest-1' }))).not.toBeNull()
    expect(watcher.revocationOf(identity({ docPattern: 'plan', userId: 'bob' }))).not.toBeNull()
    expect(watcher.revocationOf(identity({ docPattern: 'other' }))).toBeNull()
    watcher.stop()
  })

  it('tells apart a millisecond-precise token issued just after a revocation from one just before', async () => {
    const { store, watcher } = await started()
    await store.add({ kind: 'access', subject: 'plan:ann', revokedAt: 20_500, expiresAt: null })
    await watcher.poll()
    expect(watcher.revocationOf(identity({ docPattern: 'plan', issuedAt: 20_499 }))).not.toBeNull()
    expect(watcher.revocationOf(identity({ docPattern: 'plan', issuedAt: 20_501 }))).toBeNull()
    // A whole-second `iat` may be anywhere in that second: refused.
    expect(watcher.revocationOf(identity({ docPattern: 'plan', issuedAt: 20_000 }))).not.toBeNull()
    watcher.stop()
  })

  it('tells the sessions on a document when its link or one person’s access is revoked', async () => {
    const { store, watcher } = await started()
    const told: string[] = []
    watcher.watch(identity({ tokenId: 'a', docPattern: 'plan' }), () => told.push('ann on plan'))
    watcher.watch(identity({ tokenId: 'b', docPattern: 'other' }), () => told.push('ann on other'))
    watcher.watch(identity({ tokenId: 'c', userId: 'guest', docPattern: 'plan' }), () => told.push('guest on plan'))
    await store.add({ kind: 'access', subject: 'plan:ann', revokedAt: 60_000, expiresAt: null })
    await watcher.poll()
    expect(told).toEqual(['ann on plan'])
    await store.add({ kind: 'document', subject: 'plan', revokedAt: 60_000, expiresAt: null })
    await watcher.poll()
    expect(told).toEqual(['ann on plan', 'guest on plan'])
    watcher.stop()
  })

  it('ignores identities without auth', async () => {
    const { store, watcher } = await started()
    await store.add({ kind: 'user', subject: 'anonymous', revokedAt: 60_000, expiresAt: null })
    await watcher.poll()
    expect(watcher.revocationOf(identity({ userId: 'anonymous', isVerified: false }))).toBeNull()
    watcher.stop()
  })
})
