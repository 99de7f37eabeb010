import { describe, expect, it } from 'vitest'
import { SharingService, type Viewer } from '../../server/people/sharing-service.js'
import { MemoryPeopleStore } from '../../server/storage/memory/memory-people-store.js'
import { MemoryRevocationStore } from '../../server/storage/memory/memory-revocation-store.js'

async function setUp(existing: string[] = []) {
  const people = new MemoryPeopleStore()
  const revocations = new MemoryRevocationStore()
  const sharing = new SharingService({
    people,
    revocations,
    documentExists: async (docId) => existing.includes(docId),
    now: () => 50_000,
  })
  const person = async (id: string, email: string | null, isAdmin = false): Promise<NonNullable<Viewer>> => ({
    person: await people.savePerson({ id, name: id, email, colour: '#000000' }, 1),
    isAdmin,
  })
  return {
    sharing,
    revocations,
    ann: await person('ann', 'ann@x.org'),
    bob: await person('bob', 'bob@x.org'),
    cat: await person('cat', 'cat@x.org', true),
    nomail: await person('nomail', null),
  }
}

describe('SharingService', () => {
  it('makes the first signed-in opener of an unused id its owner, and refuses the next', async () => {
    const { sharing, ann, bob } = await setUp()
    expect(await sharing.roleForToken(ann, 'new')).toBe('edit')
    expect(await sharing.roleOf(ann, 'new')).toBe('edit')
    await expect(sharing.roleForToken(bob, 'new')).rejects.toMatchObject({ code: 'forbidden' })
  })

  it('asks someone signed out to sign in, and claims nothing for them', async () => {
    const { sharing } = await setUp()
    await expect(sharing.roleForToken(null, 'new')).rejects.toMatchObject({ code: 'unauthorized' })
  })

  it('leaves a document that existed before anyone owned it to administrators', async () => {
    const { sharing, ann, cat } = await setUp(['legacy'])
    await expect(sharing.roleForToken(ann, 'legacy')).rejects.toMatchObject({ code: 'forbidden' })
    expect(await sharing.roleForToken(cat, 'legacy')).toBe('edit')
    await sharing.transfer(cat, 'legacy', 'ANN@x.org')
    expect(await sharing.roleOf(ann, 'legacy')).toBe('edit')
  })

  it('takes the strongest of share and link; a person without an email gets only the link', async () => {
    const { sharing, ann, bob, nomail } = await setUp()
    await sharing.roleForToken(ann, 'doc')
    await sharing.updateSettings(ann, 'doc', { linkRole: 'comment' })
    await sharing.share(ann, 'doc', 'bob@x.org', 'view')
    expect(await sharing.roleOf(bob, 'doc')).toBe('comment')
    await sharing.share(ann, 'doc', 'bob@x.org', 'edit')
    expect(await sharing.roleOf(bob, 'doc')).toBe('edit')
    expect(await sharing.roleOf(nomail, 'doc')).toBe('comment')
    expect(await sharing.roleOf(null, 'doc')).toBe('comment')
  })

  it('revokes exactly what changed for someone: a lowered or raised share, a removed one, a lowered link, an old owner', async () => {
    const { sharing, revocations, ann, bob, cat } = await setUp()
    await sharing.roleForToken(ann, 'doc')
    await sharing.share(ann, 'doc', 'bob@x.org', 'edit')
    await sharing.share(ann, 'doc', 'bob@x.org', 'edit') // unchanged: nothing to revoke
    await sharing.share(ann, 'doc', 'bob@x.org', 'comment')
    await sharing.share(ann, 'doc', 'bob@x.org', 'edit') // raised: revoked too, so open pages take the new role
    await sharing.unshare(ann, 'doc', 'bob@x.org')
    await sharing.share(ann, 'doc', 'someone@x.org', 'view') // nobody signed in with it yet
    await sharing.unshare(ann, 'doc', 'someone@x.org')
    await sharing.updateSettings(ann, 'doc', { linkRole: 'edit' })
    await sharing.updateSettings(ann, 'doc', { linkRole: 'view' })
    await sharing.updateSettings(ann, 'doc', { editorsCanShare: true })
    await sharing.transfer(cat, 'doc', 'bob@x.org')
    expect((await revocations.listSince(0)).map((r) => [r.kind, r.subject, r.revokedAt])).toEqual([
      ['access', 'doc:bob', 50_000],
      ['access', 'doc:bob', 50_000],
      ['access', 'doc:bob', 50_000],
      ['document', 'doc', 50_000],
      ['access', 'doc:ann', 50_000],
    ])
    expect(await sharing.roleOf(bob, 'doc')).toBe('edit')
  })

  it('lets editors share only when the owner allows it, and never change the link or owner', async () => {
    const { sharing, ann, bob } = await setUp()
    await sharing.roleForToken(ann, 'doc')
    await sharing.share(ann, 'doc', 'bob@x.org', 'edit')
    await expect(sharing.share(bob, 'doc', 'dan@x.org', 'view')).rejects.toMatchObject({ code: 'forbidden' })
    await sharing.updateSettings(ann, 'doc', { editorsCanShare: true })
    await sharing.share(bob, 'doc', 'dan@x.org', 'view')
    await expect(sharing.updateSettings(bob, 'doc', { linkRole: 'view' })).rejects.toMatchObject({ code: 'forbidden' })
    await expect(sharing.transfer(bob, 'doc', 'bob@x.org')).rejects.toMatchObject({ code: 'forbidden' })
    expect((await sharing.describe(bob, 'doc')).canShare).toBe(true)
  })

  it('refuses an address that is not one', async () => {
    const { sharing, ann } = await setUp()
    await sharing.roleForToken(ann, 'doc')
    await expect(sharing.share(ann, 'doc', 'not an address', 'view')).rejects.toMatchObject({ code: 'bad-request' })
  })

  it('lists what a person owns and what is shared with them, once each', async () => {
    const { sharing, ann, bob } = await setUp()
    await sharing.roleForToken(ann, 'mine')
    await sharing.roleForToken(ann, 'ours')
    await sharing.share(ann, 'ours', 'bob@x.org', 'comment')
    await sharing.share(ann, 'mine', 'ann@x.org', 'view') // shared with herself: still listed as owned only
    expect(await sharing.reachable(ann.person)).toEqual({ owned: ['mine', 'ours'], shared: [] })
    expect(await sharing.reachable(bob.person)).toEqual({ owned: [], shared: [{ docId: 'ours', role: 'comment' }] })
  })
})
