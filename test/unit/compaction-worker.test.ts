import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { CompactionWorker } from '../../server/sync/compaction-worker.js'
import { mergeInProcess } from '../../server/sync/compaction.js'

function textUpdates(count: number): Uint8Array[] {
  const doc = new Y.Doc()
  const updates: Uint8Array[] = []
  doc.on('update', (update: Uint8Array) => updates.push(update))
  for (let i = 0; i < count; i++) doc.getText('t').insert(i, String.fromCharCode(97 + (i % 26)))
  return updates
}

function textOf(snapshot: Uint8Array): string {
  const doc = new Y.Doc()
  Y.applyUpdate(doc, snapshot)
  return doc.getText('t').toString()
}

describe('CompactionWorker', () => {
  let worker: CompactionWorker | null = null
  afterEach(async () => {
    await worker?.close()
    worker = null
  })

  it('merges on a worker thread into what the in-process merge gives', async () => {
    worker = new CompactionWorker()
    const entries = textUpdates(200)
    const [onWorker, inProcess] = await Promise.all([worker.merge(entries), mergeInProcess(entries)])
    expect(onWorker.failed).toEqual([])
    expect(textOf(onWorker.snapshot)).toBe(textOf(inProcess.snapshot))
    expect(textOf(onWorker.snapshot)).toHaveLength(200)
  })

  it('reports entries it cannot apply by index, with the reason, and merges the rest', async () => {
    worker = new CompactionWorker()
    const entries = textUpdates(3)
    const garbage = new Uint8Array([255, 255, 255, 255, 1])
    const result = await worker.merge([entries[0]!, garbage, entries[1]!, new Uint8Array(0), entries[2]!])
    expect(result.failed.map((failure) => failure.index)).toEqual([1, 3])
    expect(result.failed[0]!.reason).toMatch(/could not be decoded/)
    expect(result.failed[1]!.reason).toBe('empty update')
    expect(textOf(result.snapshot)).toBe('abc')
  })

  it('keeps working for later merges and starts again after close', async () => {
    worker = new CompactionWorker()
    expect(textOf((await worker.merge(textUpdates(5))).snapshot)).toBe('abcde')
    await worker.close()
    expect(textOf((await worker.merge(textUpdates(2))).snapshot)).toBe('ab')
  })

  it('gives up on a merge that outlives its watchdog, and the next merge gets a fresh worker', async () => {
    worker = new CompactionWorker()
    worker.timeoutMs = 1
    await expect(worker.merge(textUpdates(2_000))).rejects.toThrow(/took over 1 ms; worker replaced/)
    worker.timeoutMs = 60_000
    expect(textOf((await worker.merge(textUpdates(3))).snapshot)).toBe('abc')
  })
})

describe('mergeInProcess (what the compaction thread runs)', () => {
  it('merges what applies and reports the rest by index, with the reason', async () => {
    const entries = textUpdates(3)
    const result = await mergeInProcess([
      entries[0]!,
      new Uint8Array([255, 255, 255, 255, 1]),
      entries[1]!,
      new Uint8Array(0),
      entries[2]!,
    ])
    expect(result.failed).toEqual([
      { index: 1, reason: expect.stringMatching(/^update could not be decoded: /) },
      { index: 3, reason: 'empty update' },
    ])
    expect(textOf(result.snapshot)).toBe('abc')
  })

  it('gives the empty document for no entries', async () => {
    expect(textOf((await mergeInProcess([])).snapshot)).toBe('')
  })
})
