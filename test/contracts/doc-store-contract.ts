import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import type { DocId } from '../../shared/ids.js'
import type { DocStore } from '../../server/storage/doc-store.js'

export interface DocStoreFixture {
  store: DocStore
  /** Closes the storage and opens it again on the same data (null for memory, whose data dies with it). */
  reopen: (() => Promise<DocStore>) | null
  cleanup: () => Promise<void>
}

const id = (value: string) => value as DocId

function textUpdate(text: string, clientId = 1): Uint8Array {
  const doc = new Y.Doc()
  doc.clientID = clientId
  doc.getText('t').insert(0, text)
  return Y.encodeStateAsUpdate(doc)
}

function replay(entries: { update: Uint8Array }[]): string {
  const doc = new Y.Doc()
  for (const entry of entries) Y.applyUpdate(doc, entry.update)
  return doc.getText('t').toString()
}

/** The behaviour every DocStore must have; run it for each implementation. */
export function runDocStoreContract(name: string, createFixture: () => Promise<DocStoreFixture>): void {
  describe(`DocStore contract: ${name}`, () => {
    let fixture: DocStoreFixture
    let store: DocStore

    beforeEach(async () => {
      fixture = await createFixture()
      store = fixture.store
    })
    afterEach(async () => {
      await fixture.cleanup()
    })

    it('loads an unknown document as empty', async () => {
      expect(await store.load(id('nothing-here'))).toEqual({ entries: [], lastSeq: 0, tailBytes: 0 })
      expect(await store.info(id('nothing-here'))).toBeNull()
    })

    it('returns appended updates in append order with increasing seqs', async () => {
      const seqs = [
        await store.append(id('a'), textUpdate('one', 1)),
        await store.append(id('a'), textUpdate('two', 2)),
      ]
      const loaded = await store.load(id('a'))
      expect(loaded.entries.map((e) => e.seq)).toEqual(seqs)
      expect(seqs[1]).toBeGreaterThan(seqs[0] as number)
      expect(loaded.lastSeq).toBe(seqs[1])
      expect(loaded.entries.every((e) => !e.isSnapshot)).toBe(true)
      expect(loaded.tailBytes).toBe(loaded.entries.reduce((sum, e) => sum + e.update.byteLength, 0))
    })

    it('commits concurrent appends from one turn, each with its own seq', async () => {
      const seqs = await Promise.all(
        Array.from({ length: 50 }, (_, i) => store.append(id('burst'), textUpdate(`${i}`, i + 1))),
      )
      expect(new Set(seqs).size).toBe(50)
      expect((await store.load(id('burst'))).entries).toHaveLength(50)
    })

    it('keeps documents apart', async () => {
      await store.append(id('a'), textUpdate('for a'))
      await store.append(id('b'), textUpdate('for b'))
      expect(replay((await store.load(id('a'))).entries)).toBe('for a')
      expect(replay((await store.load(id('b'))).entries)).toBe('for b')
    })

    it('creates a document record on first append', async () => {
      await store.append(id('fresh'), textUpdate('x'))
      const info = await store.info(id('fresh'))
      expect(info).toMatchObject({ docId: 'fresh', title: '' })
      expect(info!.sizeBytes).toBeGreaterThan(0)
    })

    it('compacts rows up to a seq into a snapshot and keeps later rows', async () => {
      const doc = new Y.Doc()
      const updates: Uint8Array[] = []
      doc.on('update', (u: Uint8Array) => updates.push(u))
      const text = doc.getText('t')
      for (const word of ['a', 'b', 'c', 'd']) text.insert(text.length, word)
      const seqs: number[] = []
      for (const update of updates) seqs.push(await store.append(id('c'), update))
      const read = (await store.load(id('c'))).entries.slice(0, 3)
      expect(await store.compact(id('c'), Y.encodeStateAsUpdate(doc), read)).toBe(true)
      // A row appended after the snapshot was taken must survive compaction.
      const loaded = await store.load(id('c'))
      expect(loaded.entries[0]).toMatchObject({ isSnapshot: true, seq: seqs[2] })
      expect(loaded.entries.slice(1).map((e) => e.seq)).toEqual([seqs[3]])
      expect(loaded.tailBytes).toBe(updates[3]!.byteLength)
      expect(replay(loaded.entries)).toBe('abcd')
    })

    it('compaction replaces exactly the merged rows, even when an unmerged row has a lower seq', async () => {
      // With several writers a row with a lower seq can commit after compaction read a higher one.
      const seqs: number[] = []
      for (const word of ['w', 'x', 'y', 'z'])
        seqs.push(await store.append(id('gap'), textUpdate(word, seqs.length + 1)))
      const read = (await store.load(id('gap'))).entries
      // As if the rows of seqs[1] and seqs[3] had not been visible yet when compaction read the log.
      const merged = [read[0]!, read[2]!]
      const snapshotDoc = new Y.Doc()
      Y.applyUpdate(snapshotDoc, textUpdate('w', 1))
      Y.applyUpdate(snapshotDoc, textUpdate('y', 3))
      expect(await store.compact(id('gap'), Y.encodeStateAsUpdate(snapshotDoc), merged)).toBe(true)
      const loaded = await store.load(id('gap'))
      expect(loaded.entries[0]).toMatchObject({ isSnapshot: true, seq: seqs[2] })
      expect(loaded.entries.slice(1).map((e) => e.seq)).toEqual([seqs[1], seqs[3]])
      expect(loaded.lastSeq).toBe(seqs[3])
      expect(replay(loaded.entries).split('').sort().join('')).toBe('wxyz')
    })

    it('refuses a compaction whose rows another compaction already replaced', async () => {
      const seqs = [
        await store.append(id('race'), textUpdate('a', 1)),
        await store.append(id('race'), textUpdate('b', 2)),
      ]
      // The loser read both rows before the winner replaced the first one.
      const loserRead = (await store.load(id('race'))).entries
      expect(await store.compact(id('race'), textUpdate('a', 1), loserRead.slice(0, 1))).toBe(true)
      const before = await store.load(id('race'))
      expect(await store.compact(id('race'), textUpdate('ab', 3), loserRead)).toBe(false)
      expect(await store.load(id('race'))).toEqual(before)
      // A snapshot replaced by a newer one at the same seq is not mistaken for it either.
      const read = before.entries
      expect(read.map((e) => [e.seq, e.isSnapshot])).toEqual([
        [seqs[0], true],
        [seqs[1], false],
      ])
      expect(await store.compact(id('race'), textUpdate('a', 4), read.slice(0, 1))).toBe(true)
      expect(await store.compact(id('race'), textUpdate('ab', 5), read)).toBe(false)
      expect(replay((await store.load(id('race'))).entries)).toHaveLength(2)
    })

    it('quarantines one entry, keeping the rest loadable', async () => {
      const good = await store.append(id('q'), textUpdate('good', 1))
      const bad = await store.append(id('q'), new Uint8Array([1, 2, 3]))
      await store.quarantine(id('q'), bad, 'garbage')
      const loaded = await store.load(id('q'))
      expect(loaded.entries.map((e) => e.seq)).toEqual([good])
      const quarantined = await store.listQuarantined(id('q'))
      expect(quarantined).toEqual([expect.objectContaining({ docId: 'q', seq: bad, reason: 'garbage' })])
    })

    it('deletes a document and its log', async () => {
      await store.append(id('gone'), textUpdate('x'))
      expect(await store.delete(id('gone'))).toBe(true)
      expect((await store.load(id('gone'))).entries).toEqual([])
      expect(await store.info(id('gone'))).toBeNull()
      expect(await store.delete(id('gone'))).toBe(false)
    })

    it('creates, renames and lists documents, most recently changed first', async () => {
      expect(await store.create(id('first'), 'First')).toBe(true)
      expect(await store.create(id('first'), 'Again')).toBe(false)
      await new Promise((resolve) => setTimeout(resolve, 5))
      await store.create(id('second'), 'Second')
      expect((await store.list()).map((d) => d.docId)).toEqual(['second', 'first'])
      await new Promise((resolve) => setTimeout(resolve, 5))
      expect(await store.setTitle(id('first'), 'Renamed')).toBe(true)
      expect(await store.setTitle(id('missing'), 'x')).toBe(false)
      const list = await store.list()
      expect(list.map((d) => [d.docId, d.title])).toEqual([
        ['first', 'Renamed'],
        ['second', 'Second'],
      ])
      expect(list[0]!.createdAt).toBeLessThanOrEqual(list[0]!.updatedAt)
    })

    it('answers ping while open', async () => {
      await expect(store.ping()).resolves.toBeUndefined()
    })

    it('keeps everything across close and reopen', async () => {
      if (!fixture.reopen) return expect(store.kind).toBe('memory')
      await store.create(id('kept'), 'Kept')
      await store.append(id('kept'), textUpdate('durable'))
      store = await fixture.reopen()
      expect(replay((await store.load(id('kept'))).entries)).toBe('durable')
      expect((await store.info(id('kept')))!.title).toBe('Kept')
    })
  })
}
