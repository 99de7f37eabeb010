import { describe, expect, it } from 'vitest'
import { authorColors, UNKNOWN_AUTHOR_COLOR } from '../../client/app/history/author-colors.js'
import { colorChanges } from '../../client/app/history/color-changes.js'
import { USER_COLORS } from '../../client/editor/user-identity.js'

describe('authorColors', () => {
  it('gives each author the colour they showed in, when recorded', () => {
    const colors = authorColors([
      { name: 'Ada', color: '#e5484d' },
      { name: 'Bob', color: '#30a46c' },
    ])
    expect(Object.fromEntries(colors)).toEqual({ Ada: '#e5484d', Bob: '#30a46c' })
  })

  it('prefers the colour a writer shows in now (presence) over the recorded one', () => {
    const present = new Map([['Ada', '#0090ff']])
    expect(authorColors([{ name: 'Ada', color: '#e5484d' }], present).get('Ada')).toBe('#0090ff')
  })

  it('derives a stable colour from the name when none was recorded, and grey for Unknown', () => {
    const first = authorColors([{ name: 'Tandem', color: null }]).get('Tandem')
    expect(USER_COLORS).toContain(first)
    expect(authorColors([{ name: 'Tandem', color: null }]).get('Tandem')).toBe(first)
    expect(authorColors([{ name: 'Unknown', color: null }]).get('Unknown')).toBe(UNKNOWN_AUTHOR_COLOR)
  })

  it('never gives two authors of one comparison the same colour', () => {
    const authors = USER_COLORS.map((_, i) => ({ name: `Writer ${i}`, color: '#e5484d' }))
    const colors = authorColors(authors)
    expect(new Set(colors.values()).size).toBe(USER_COLORS.length)
    expect(colors.get('Writer 0')).toBe('#e5484d')
  })
})

describe('colorChanges', () => {
  it('puts each change mark in its author’s colour and leaves other marks alone', () => {
    const json = {
      type: 'doc',
      content: [
        {
          type: 'paragraph',
          content: [
            {
              type: 'text',
              text: 'a',
              marks: [{ type: 'bold' }, { type: 'historyInsertion', attrs: { authorName: 'Ada' } }],
            },
            { type: 'text', text: 'b', marks: [{ type: 'historyDeletion', attrs: { authorName: 'Bob' } }] },
          ],
        },
      ],
    }
    const colored = colorChanges(json, new Map([['Ada', '#e5484d']]))
    expect(colored.content?.[0]?.content?.map((node) => node.marks)).toEqual([
      [{ type: 'bold' }, { type: 'historyInsertion', attrs: { authorName: 'Ada', color: '#e5484d' } }],
      [{ type: 'historyDeletion', attrs: { authorName: 'Bob', color: null } }],
    ])
  })
})
