import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { VersionStore } from '../../server/history/version-store.js'
import { storageBackends, type BackendUnderTest } from './storage-backends.js'

const doc = (id: string) => id as never

function runVersionStoreContract(backend: BackendUnderTest) {
  describe(`VersionStore contract: ${backend.name}`, () => {
    let store: VersionStore
    let cleanup: () => Promise<void>
    beforeEach(async () => {
      const fixture = await backend.open()
      store = fixture.storage.versions
      cleanup = () => fixture.cleanup()
    })
    afterEach(async () => cleanup())

    it('adds versions and lists them newest first without their states', async () => {
      const first = await store.add(doc('a'), {
        state: new Uint8Array([1, 2]),
        name: null,
        authors: ['Ann'],
        createdAt: 1000,
      })
      const second = await store.add(doc('a'), {
        state: new Uint8Array([3]),
        name: 'Named',
        authors: [],
        createdAt: 2000,
      })
      await store.add(doc('b'), { state: new Uint8Array([9]), name: null, authors: [], createdAt: 3000 })
      expect(second.id).toBeGreaterThan(first.id)
      expect(await store.list(doc('a'))).toEqual([
        { id: second.id, docId: 'a', createdAt: 2000, name: 'Named', authors: [], sizeBytes: 1 },
        { id: first.id, docId: 'a', createdAt: 1000, name: null, authors: ['Ann'], sizeBytes: 2 },
      ])
    })

    it('returns one version with its exact state', async () => {
      const meta = await store.add(doc('a'), {
        state: new Uint8Array([5, 6, 7]),
        name: null,
        authors: [],
        createdAt: 1,
      })
      expect(await store.get(doc('a'), meta.id)).toEqual({ meta, state: new Uint8Array([5, 6, 7]) })
      expect(await store.get(doc('b'), meta.id)).toBeNull()
      expect(await store.get(doc('a'), meta.id + 100)).toBeNull()
    })

    it('names, unnames and removes versions', async () => {
      const meta = await store.add(doc('a'), { state: new Uint8Array([1]), name: null, authors: [], createdAt: 1 })
      expect((await store.setName(doc('a'), meta.id, 'Milestone'))?.name).toBe('Milestone')
      expect((await store.setName(doc('a'), meta.id, null))?.name).toBeNull()
      expect(await store.setName(doc('a'), meta.id + 1, 'x')).toBeNull()
      expect(await store.remove(doc('a'), [meta.id, meta.id + 1])).toBe(1)
      expect(await store.list(doc('a'))).toEqual([])
    })

    it('removes a whole history', async () => {
      await store.add(doc('a'), { state: new Uint8Array([1]), name: 'kept?', authors: [], createdAt: 1 })
      await store.removeAll(doc('a'))
      expect(await store.list(doc('a'))).toEqual([])
    })
  })
}

for (const backend of storageBackends()) runVersionStoreContract(backend)
