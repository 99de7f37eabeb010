import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { ErrorCode } from '../../shared/errors.js'
import type { DocId } from '../../shared/ids.js'
import { FileService } from '../../server/files/file-service.js'
import { MemoryFileStore } from '../../server/storage/memory/memory-file-store.js'
import { png } from '../fixtures/images.js'

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')
const DOC = 'doc' as DocId
const editor = { role: 'edit' as const, rateKey: 'user:ann' }

describe('FileService', () => {
  it('collects the file again when the document was deleted while its upload streamed in', async () => {
    const store = new MemoryFileStore()
    let exists = true
    const files = new FileService({ store, documentExists: async () => exists, limits: { uploadsPerMinute: 0 } })
    await files.admit(DOC, editor)
    exists = false // deleted (its files collected) before the bytes arrived
    const bytes = png(2, 2)
    await expect(files.store(DOC, bytes, sha256(bytes))).rejects.toMatchObject({ code: ErrorCode.NotFound })
    expect(await store.usage()).toEqual({ files: 0, bytes: 0 })
  })

  it('spends one upload per admission from a per-author budget refilled over a minute', async () => {
    let now = 0
    const files = new FileService({
      store: new MemoryFileStore(),
      documentExists: async () => true,
      limits: { uploadsPerMinute: 2 },
      now: () => now,
    })
    await files.admit(DOC, editor)
    await files.admit(DOC, editor)
    await expect(files.admit(DOC, editor)).rejects.toMatchObject({ code: ErrorCode.RateLimited })
    await files.admit(DOC, { ...editor, rateKey: 'user:bob' })
    now += 30_000
    await files.admit(DOC, editor)
  })

  it('refuses comment and view uploaders before anything else', async () => {
    const files = new FileService({
      store: new MemoryFileStore(),
      documentExists: async () => false,
      limits: { uploadsPerMinute: 0 },
    })
    await expect(files.admit(DOC, { role: 'comment', rateKey: 'x' })).rejects.toMatchObject({
      code: ErrorCode.ReadOnly,
      message: /can comment but not edit: cannot upload images/,
    })
    await expect(files.admit(DOC, { role: 'view', rateKey: 'x' })).rejects.toMatchObject({ code: ErrorCode.ReadOnly })
    await expect(files.admit(DOC, editor)).rejects.toMatchObject({ code: ErrorCode.NotFound })
  })
})
