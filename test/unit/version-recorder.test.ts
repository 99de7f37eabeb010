import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { createLogger } from '../../server/logger.js'
import { VersionRecorder } from '../../server/history/version-recorder.js'
import type { DocRoom } from '../../server/sync/doc-room.js'
import { StorageOrigin } from '../../server/sync/origins.js'

describe('VersionRecorder', () => {
  let doc: Y.Doc
  let saved: { name: string | null; authors: string[] }[]
  let recorder: VersionRecorder

  beforeEach(() => {
    vi.useFakeTimers()
    doc = new Y.Doc()
    saved = []
    const room = fakeRoom(doc, (origin: unknown) => String(origin))
    recorder = new VersionRecorder(
      room,
      { idleMs: 1_000, maxIntervalMs: 10_000 },
      async (_room, name, authors) => saved.push({ name, authors }),
      createLogger('silent'),
      () => Date.now(),
    )
  })
  afterEach(() => vi.useRealTimers())

  const type = (author: string) => doc.transact(() => doc.getText('t').insert(0, 'x'), author)

  it('records once editing has been quiet for the idle time, with everyone who edited', async () => {
    type('Ann')
    await vi.advanceTimersByTimeAsync(600)
    type('Ben')
    await vi.advanceTimersByTimeAsync(600)
    expect(saved).toEqual([])
    await vi.advanceTimersByTimeAsync(500)
    expect(saved).toEqual([{ name: null, authors: ['Ann', 'Ben'] }])
  })

  it('records at least every max interval while editing never pauses', async () => {
    for (let i = 0; i < 25; i++) {
      type('Ann')
      await vi.advanceTimersByTimeAsync(500)
    }
    expect(saved.length).toBe(1)
  })

  it('ignores loads from storage', async () => {
    doc.transact(() => doc.getText('t').insert(0, 'stored'), StorageOrigin)
    await vi.advanceTimersByTimeAsync(5_000)
    expect(saved).toEqual([])
  })

  it('records pending changes when stopped, and nothing when there are none', async () => {
    await recorder.stop()
    expect(saved).toEqual([])
    const other = new VersionRecorder(
      fakeRoom(doc, () => 'Cy'),
      { idleMs: 1_000, maxIntervalMs: 10_000 },
      async (_room, name, authors) => saved.push({ name, authors }),
      createLogger('silent'),
    )
    type('Cy')
    await other.stop()
    expect(saved).toEqual([{ name: null, authors: ['Cy'] }])
  })
})

/** The part of DocRoom the recorder uses. */
function fakeRoom(doc: Y.Doc, authorOf: (origin: unknown) => string): DocRoom {
  return {
    doc,
    docId: 'd',
    authorOf,
    authorColorOf: () => null,
    onUpdate: (listener: (update: Uint8Array, origin: unknown) => void) => doc.on('update', listener),
    offUpdate: (listener: (update: Uint8Array, origin: unknown) => void) => doc.off('update', listener),
  } as unknown as DocRoom
}
