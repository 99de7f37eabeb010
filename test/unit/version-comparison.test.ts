import type { JSONContent } from '@tiptap/core'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { ChangeMarkName } from '../../shared/history/change-marks.js'
import { replaceContent } from '../../server/content/convert.js'
import { DOCUMENT_FIELD } from '../../server/content/schema.js'
import {
  AttributionTracker,
  decodeAttribution,
  encodeAttribution,
  mergeAttribution,
  type Attribution,
} from '../../server/history/attribution.js'
import { compareStates } from '../../server/history/version-comparison.js'
import { decodeVersionRecord, encodeVersionRecord } from '../../server/history/version-record.js'

/** The colours writers show in (Cy shows none). */
const COLORS: Record<string, string> = { Ada: '#e5484d', Bob: '#30a46c' }

/**
 * A server document (garbage-collected, like the server's) that writers edit through their own
 * Y.Docs, each change applied with the writer's name as origin, as a room applies a connection's.
 */
function scenario(paragraphs: string[]) {
  const server = new Y.Doc()
  const tracker = new AttributionTracker(
    server,
    (origin) => (typeof origin === 'string' ? origin : null),
    (origin) => COLORS[String(origin)] ?? null,
  )
  replaceContent(
    server,
    { type: 'doc', content: paragraphs.map((text) => ({ type: 'paragraph', content: [{ type: 'text', text }] })) },
    'Tandem',
  )
  const writers = new Map<string, Y.Doc>()
  return {
    server,
    /** One writer's edit on their own copy, then sent to the server. */
    edit(name: string, change: (root: Y.XmlFragment) => void) {
      let doc = writers.get(name)
      if (!doc) writers.set(name, (doc = new Y.Doc()))
      Y.applyUpdate(doc, Y.encodeStateAsUpdate(server, Y.encodeStateVector(doc)))
      change(doc.getXmlFragment(DOCUMENT_FIELD))
      Y.applyUpdate(server, Y.encodeStateAsUpdate(doc, Y.encodeStateVector(server)), name)
    },
    state: () => Y.encodeStateAsUpdate(server),
    attribution: (): Attribution => tracker.peek(),
  }
}

/** The text node of paragraph `index`. */
const textOf = (root: Y.XmlFragment, index: number) => (root.get(index) as Y.XmlElement).get(0) as Y.XmlText

/** Each text run as `text`, `+text(author)`, `-text(author)` or `~text(author: +added -removed)`. */
function runs(doc: JSONContent): string[][] {
  return (doc.content ?? []).map((block) =>
    (block.content ?? []).map((node) => {
      const change = node.marks?.find((mark) => mark.type.startsWith('history'))
      const author = String(change?.attrs?.authorName)
      const formats = (node.marks ?? []).filter((mark) => !mark.type.startsWith('history')).map((mark) => mark.type)
      const text = formats.length > 0 ? `${node.text}[${formats.join(',')}]` : (node.text ?? '')
      if (!change) return text
      if (change.type === ChangeMarkName.Insertion) return `+${text}(${author})`
      if (change.type === ChangeMarkName.Deletion) return `-${text}(${author})`
      return `~${text}(${author}: +${change.attrs?.added} -${change.attrs?.removed})`
    }),
  )
}

describe('compareStates', () => {
  it('shows an insertion in place, by the writer who typed it', () => {
    const s = scenario(['Hello world'])
    const before = s.state()
    s.edit('Ada', (root) => textOf(root, 0).insert(5, ' brave'))
    const { doc, authors } = compareStates(before, s.state(), s.attribution())
    expect(runs(doc)).toEqual([['Hello', '+ brave(Ada)', ' world']])
    expect(authors).toEqual([{ name: 'Ada', color: '#e5484d', insertions: 1, deletions: 0, formatChanges: 0 }])
  })

  it('keeps deleted text in place, marked with who deleted it, even after the server collected it', () => {
    const s = scenario(['Hello brave world'])
    const before = s.state()
    s.edit('Bob', (root) => textOf(root, 0).delete(5, 6))
    // The server's document is garbage-collected: its state no longer holds " brave".
    expect(new TextDecoder().decode(s.state())).not.toContain('brave')
    const { doc, authors } = compareStates(before, s.state(), s.attribution())
    expect(runs(doc)).toEqual([['Hello', '- brave(Bob)', ' world']])
    expect(authors).toEqual([{ name: 'Bob', color: '#30a46c', insertions: 0, deletions: 1, formatChanges: 0 }])
  })

  it('shows a format change with the marks it added and removed, and who made it', () => {
    const s = scenario(['Make this bold'])
    const before = s.state()
    s.edit('Ada', (root) => textOf(root, 0).format(10, 4, { bold: {} }))
    const { doc, authors } = compareStates(before, s.state(), s.attribution())
    expect(runs(doc)).toEqual([['Make this ', '~bold[bold](Ada: +bold -)']])
    expect(authors).toEqual([{ name: 'Ada', color: '#e5484d', insertions: 0, deletions: 0, formatChanges: 1 }])
  })

  it('shows a removed format as removed', () => {
    const s = scenario(['plain'])
    s.edit('Ada', (root) => textOf(root, 0).format(0, 5, { italic: {} }))
    const before = s.state()
    s.edit('Bob', (root) => textOf(root, 0).format(0, 5, { italic: null }))
    expect(runs(compareStates(before, s.state(), s.attribution()).doc)).toEqual([['~plain(Bob: + -italic)']])
  })

  it('names each of several authors for their own changes, in one paragraph', () => {
    const s = scenario(['one two three'])
    const before = s.state()
    s.edit('Ada', (root) => textOf(root, 0).insert(0, 'zero '))
    s.edit('Bob', (root) => textOf(root, 0).delete(9, 4)) // "two "
    s.edit('Cy', (root) => textOf(root, 0).insert(14, ' four'))
    const { doc, authors } = compareStates(before, s.state(), s.attribution())
    expect(runs(doc)).toEqual([['+zero (Ada)', 'one ', '-two (Bob)', 'three', '+ four(Cy)']])
    expect(authors.map((a) => [a.name, a.color]).sort()).toEqual([
      ['Ada', '#e5484d'],
      ['Bob', '#30a46c'],
      ['Cy', null],
    ])
  })

  it('compares across blocks: a paragraph removed by one writer, one added by another, one edited', () => {
    const s = scenario(['First', 'Second', 'Third'])
    const before = s.state()
    s.edit('Bob', (root) => root.delete(1, 1))
    s.edit('Ada', (root) => {
      const paragraph = new Y.XmlElement('paragraph')
      paragraph.insert(0, [new Y.XmlText('Fourth')])
      root.insert(2, [paragraph])
    })
    s.edit('Ada', (root) => textOf(root, 0).insert(5, '!'))
    const { doc, authors } = compareStates(before, s.state(), s.attribution())
    expect(runs(doc)).toEqual([['First', '+!(Ada)'], ['-Second(Bob)'], ['Third'], ['+Fourth(Ada)']])
    expect(doc.content?.map((block) => block.type)).toEqual(['paragraph', 'paragraph', 'paragraph', 'paragraph'])
    expect(authors).toEqual([
      { name: 'Ada', color: '#e5484d', insertions: 2, deletions: 0, formatChanges: 0 },
      { name: 'Bob', color: '#30a46c', insertions: 0, deletions: 1, formatChanges: 0 },
    ])
  })

  it('leaves out text added and removed again between the two versions, and shows no change for equal states', () => {
    const s = scenario(['Stable'])
    const before = s.state()
    s.edit('Ada', (root) => textOf(root, 0).insert(6, ' typo'))
    s.edit('Ada', (root) => textOf(root, 0).delete(6, 5))
    expect(runs(compareStates(before, s.state(), s.attribution()).doc)).toEqual([['Stable']])
    const same = compareStates(s.state(), s.state(), s.attribution())
    expect(runs(same.doc)).toEqual([['Stable']])
    expect(same.authors).toEqual([])
  })

  it('says Unknown for changes without attribution (versions recorded before it was kept)', () => {
    const s = scenario(['Old'])
    const before = s.state()
    s.edit('Ada', (root) => textOf(root, 0).insert(3, ' text'))
    expect(runs(compareStates(before, s.state(), null).doc)).toEqual([['Old', '+ text(Unknown)']])
  })
})

describe('attribution', () => {
  it('survives encoding, inside a version record with the state, and merges with an earlier one', () => {
    const s = scenario(['abc'])
    s.edit('Ada', (root) => textOf(root, 0).insert(3, 'd'))
    s.edit('Bob', (root) => textOf(root, 0).delete(0, 1))
    const attribution = s.attribution()
    const record = decodeVersionRecord(encodeVersionRecord(s.state(), attribution))
    expect(record.state).toEqual(s.state())
    expect([...(record.attribution?.inserted.values() ?? [])].sort()).toEqual(['Ada', 'Tandem'])
    expect([...(record.attribution?.deleted.keys() ?? [])]).toEqual(['Bob'])
    const decoded = decodeAttribution(encodeAttribution(attribution))
    expect(decoded?.colors).toEqual(
      new Map([
        ['Ada', '#e5484d'],
        ['Bob', '#30a46c'],
      ]),
    )
    const later = { inserted: new Map([[1, 'Cy']]), deleted: new Map(), colors: new Map([['Ada', '#0090ff']]) }
    const merged = mergeAttribution(decoded, later)
    expect(merged.inserted.get(1)).toBe('Cy')
    expect(merged.deleted.has('Bob')).toBe(true)
    expect(merged.colors.get('Ada')).toBe('#0090ff')
  })

  it('reads a bare Yjs state (a version recorded before attribution) as a state without attribution', () => {
    const s = scenario(['abc'])
    expect(decodeVersionRecord(s.state())).toEqual({ state: s.state(), attribution: null })
    const empty = Y.encodeStateAsUpdate(new Y.Doc())
    expect(decodeVersionRecord(empty)).toEqual({ state: empty, attribution: null })
  })
})
