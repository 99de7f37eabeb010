import { createHash } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { FileStore, NewFile } from '../../server/files/file-store.js'
import { storageBackends, type BackendUnderTest, type StorageFixture } from './storage-backends.js'

/** A file as the upload route hands it over; the bytes need not be an image here (the store does not sniff). */
function file(text: string, type = 'image/png'): NewFile {
  const bytes = new TextEncoder().encode(text)
  return { id: createHash('sha256').update(bytes).digest('hex'), type, width: 3, height: 2, bytes }
}

function runFileStoreContract(backend: BackendUnderTest) {
  describe(`FileStore contract: ${backend.name}`, () => {
    let opened: StorageFixture
    let store: FileStore
    beforeEach(async () => {
      opened = await backend.open()
      store = opened.storage.files
    })
    afterEach(async () => opened.cleanup())

    it('finds nothing for a file never stored', async () => {
      expect(await store.info('doc', 'f'.repeat(64))).toBeNull()
      expect(await store.get('doc', 'f'.repeat(64))).toBeNull()
      expect(await store.usage()).toEqual({ files: 0, bytes: 0 })
    })

    it('stores the bytes and returns them with their facts through the document', async () => {
      const png = file('pixels')
      const info = await store.put('doc', png)
      expect(info).toEqual({ id: png.id, type: 'image/png', width: 3, height: 2, sizeBytes: 6 })
      expect(await store.info('doc', png.id)).toEqual(info)
      const got = await store.get('doc', png.id)
      expect(got).toMatchObject(info)
      expect(Buffer.from(got!.bytes).toString()).toBe('pixels')
    })

    it('does not give a file through a document that does not reference it', async () => {
      const png = file('pixels')
      await store.put('doc', png)
      expect(await store.info('other', png.id)).toBeNull()
      expect(await store.get('other', png.id)).toBeNull()
    })

    it('stores the same bytes once, however many documents and uploads use them', async () => {
      const png = file('same bytes')
      await store.put('doc', png)
      await store.put('doc', png)
      await store.put('other', png)
      expect(await store.usage()).toEqual({ files: 1, bytes: 'same bytes'.length })
      expect(await store.info('other', png.id)).not.toBeNull()
    })

    it("deleting a document removes its references and the files only it used, and keeps another's", async () => {
      const shared = file('shared')
      const own = file('own, longer')
      await store.put('doc', shared)
      await store.put('doc', own)
      await store.put('other', shared)
      expect(await store.deleteDocument('doc')).toBe(1)
      expect(await store.get('doc', shared.id)).toBeNull()
      expect(await store.get('doc', own.id)).toBeNull()
      expect(await store.get('other', shared.id)).not.toBeNull()
      expect(await store.usage()).toEqual({ files: 1, bytes: 'shared'.length })
      expect(await store.deleteDocument('other')).toBe(1)
      expect(await store.usage()).toEqual({ files: 0, bytes: 0 })
    })

    it('deleting a document without files removes nothing', async () => {
      await store.put('doc', file('kept'))
      expect(await store.deleteDocument('nothing-here')).toBe(0)
      expect(await store.usage()).toEqual({ files: 1, bytes: 4 })
    })

    it('stores the bytes again when a collected file is uploaded anew', async () => {
      const png = file('again')
      await store.put('doc', png)
      await store.deleteDocument('doc')
      await store.put('doc', png)
      expect(Buffer.from((await store.get('doc', png.id))!.bytes).toString()).toBe('again')
    })

    it("never leaves a reference without its file when a document's deletion races another's upload", async () => {
      const other = await opened.openAgain()
      for (let round = 0; round < 10; round++) {
        const png = file(`raced ${round}`)
        await store.put(`doc-${round}`, png)
        // Another instance adds the same bytes to another document while this one deletes the first.
        await Promise.all([store.deleteDocument(`doc-${round}`), other.files.put(`keeper-${round}`, png)])
        expect(await store.get(`keeper-${round}`, png.id), `round ${round}`).not.toBeNull()
      }
    })

    it('keeps every byte value of a large file', async () => {
      const bytes = new Uint8Array(3 * 1024 * 1024).map((_, i) => (i * 7) % 256)
      const big: NewFile = {
        id: createHash('sha256').update(bytes).digest('hex'),
        type: 'image/webp',
        width: 1,
        height: 1,
        bytes,
      }
      await store.put('doc', big)
      expect(Buffer.compare(Buffer.from((await store.get('doc', big.id))!.bytes), Buffer.from(bytes))).toBe(0)
    })

    it('another handle on the same data (another instance, the CLI) sees the file', async () => {
      const png = file('seen elsewhere')
      await store.put('doc', png)
      const other = await opened.openAgain()
      expect(await other.files.info('doc', png.id)).toMatchObject({ id: png.id })
    })

    if (backend.name !== 'memory') {
      it('keeps files across a reopen', async () => {
        const png = file('durable', 'image/gif')
        await store.put('doc', png)
        const reopened = await opened.reopen!()
        expect(await reopened.files.get('doc', png.id)).toMatchObject({ id: png.id, type: 'image/gif' })
      })
    }
  })
}

for (const backend of storageBackends()) runFileStoreContract(backend)
