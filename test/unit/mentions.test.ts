import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  formatMention,
  isMentionableEmail,
  MAX_MENTION_EXCERPT_CHARS,
  MAX_MENTIONS_PER_COMMENT,
  mentionExcerpt,
  parseMentions,
  splitMentions,
} from '../../shared/mentions.js'

const bob = '@[Bob Example](bob@example.com)'

describe('mentions in comment bodies', () => {
  it('finds @[name](email), the email lowercased and the name as written', () => {
    expect(parseMentions('Can you check, @[Bob Example](Bob@Example.COM)?')).toEqual([
      { name: 'Bob Example', email: 'bob@example.com' },
    ])
  })

  it('takes nothing else for a mention: an address, @name, or a link without the @', () => {
    const body = 'mail ann@example.com or @Bob, see [Bob](bob@example.com) and @[](x@y.z) and @[Bob]( bob@example.com)'
    expect(parseMentions(body)).toEqual([])
    expect(splitMentions(body)).toEqual([{ kind: 'text', text: body }])
  })

  it('lists each person once, in the order first mentioned', () => {
    const body = `${bob} and @[Dan](dan@example.com), again @[Bobby](BOB@example.com)`
    expect(parseMentions(body)).toEqual([
      { name: 'Bob Example', email: 'bob@example.com' },
      { name: 'Dan', email: 'dan@example.com' },
    ])
    // Both of Bob's are shown as mentions.
    expect(splitMentions(body).filter((piece) => piece.kind === 'mention')).toHaveLength(3)
  })

  it(`counts at most ${MAX_MENTIONS_PER_COMMENT} people; later new ones stay text`, () => {
    const people = Array.from({ length: MAX_MENTIONS_PER_COMMENT + 5 }, (_, i) => `@[P${i}](p${i}@example.com)`)
    const body = [...people, people[0]].join(' ')
    const mentioned = parseMentions(body)
    expect(mentioned).toHaveLength(MAX_MENTIONS_PER_COMMENT)
    expect(mentioned.at(-1)?.email).toBe(`p${MAX_MENTIONS_PER_COMMENT - 1}@example.com`)
    const pieces = splitMentions(body)
    expect(pieces.filter((piece) => piece.kind === 'mention')).toHaveLength(MAX_MENTIONS_PER_COMMENT + 1)
    expect(
      pieces.some((piece) => piece.kind === 'text' && piece.text.includes(`@[P${MAX_MENTIONS_PER_COMMENT}]`)),
    ).toBe(true)
    expect(parseMentions(body, Number.POSITIVE_INFINITY)).toHaveLength(MAX_MENTIONS_PER_COMMENT + 5)
  })

  it('refuses control characters, brackets in names and odd characters in addresses', () => {
    for (const body of [
      '@[Bob\nEvil](bob@example.com)',
      '@[Bob\u0000](bob@example.com)',
      '@[Bob](bob@exa\u0007mple.com)',
      '@[Bob](bob@example.com\n)',
      '@[Bob](b ob@example.com)',
      '@[Bob](bob@@example.com)',
      '@[Bob](bob@exam(ple.com)',
      '@[Bob](<bob@example.com>)',
      '@[Bob]](bob@example.com)',
    ]) {
      expect(parseMentions(body), JSON.stringify(body)).toEqual([])
    }
  })

  it('takes only the innermost well-formed mention out of nested brackets', () => {
    expect(parseMentions('@[[Bob]](bob@example.com)')).toEqual([])
    expect(parseMentions('@[@[Bob](bob@example.com)](eve@example.com)')).toEqual([
      { name: 'Bob', email: 'bob@example.com' },
    ])
    expect(parseMentions('@[Ann @[Bob](bob@example.com)')).toEqual([{ name: 'Bob', email: 'bob@example.com' }])
  })

  it('stays linear on huge hostile bodies', () => {
    const huge = [
      '@['.repeat(200_000),
      `@[${'a'.repeat(99)}`.repeat(5_000),
      `@[a](${'b'.repeat(199)}`.repeat(2_000),
      `@[a](b@${'c'.repeat(118)}`.repeat(2_000),
      `${'@[x]('.repeat(50_000)}${bob}`,
    ]
    for (const body of huge) {
      const pieces = splitMentions(body)
      expect(pieces.map((piece) => piece.text).join('')).toBe(body)
    }
    expect(parseMentions(huge.at(-1)!)).toEqual([{ name: 'Bob Example', email: 'bob@example.com' }])
  })

  it('gives back every body, piece by piece, whatever it holds', () => {
    const pieceOfBody = fc.oneof(
      fc.string(),
      fc.constantFrom('@[', '](', ')', '@', '[', ']', '\n', '\u0000', bob, '@[A](a@b.c)', 'x@y.z'),
    )
    fc.assert(
      fc.property(fc.array(pieceOfBody, { maxLength: 30 }), (parts) => {
        const body = parts.join('')
        const pieces = splitMentions(body)
        expect(pieces.map((piece) => piece.text).join('')).toBe(body)
        for (const piece of pieces) {
          if (piece.kind !== 'mention') continue
          expect(piece.name.trim()).not.toBe('')
          // eslint-disable-next-line no-control-regex
          expect(piece.name + piece.email).not.toMatch(/[\u0000-\u001f\u007f[\]]/)
        }
      }),
    )
  })

  it('writes mentions that read back as written, brackets and control characters taken out of the name', () => {
    expect(formatMention('Bob Example', 'Bob@Example.com')).toBe('@[Bob Example](bob@example.com)')
    const messy = formatMention(' Bob [admin]\n\u0000 ', 'bob@example.com')
    expect(messy).toBe('@[Bob admin](bob@example.com)')
    expect(parseMentions(messy)).toEqual([{ name: 'Bob admin', email: 'bob@example.com' }])
    expect(formatMention('[]', 'bob@example.com')).toBe('@[bob@example.com](bob@example.com)')
    expect(parseMentions(formatMention('x'.repeat(500), 'bob@example.com'))[0]?.name).toHaveLength(100)
  })

  it('makes a one-line excerpt with @names, cut with an ellipsis', () => {
    expect(mentionExcerpt(`Hi ${bob},\n\nplease\tlook`)).toBe('Hi @Bob Example, please look')
    const long = mentionExcerpt(`${bob} ${'word '.repeat(100)}`)
    expect([...long]).toHaveLength(MAX_MENTION_EXCERPT_CHARS)
    expect(long.endsWith('…')).toBe(true)
    expect(long.startsWith('@Bob Example word')).toBe(true)
  })

  it('tells an address the composer may offer to share with', () => {
    expect(isMentionableEmail('someone@example.com')).toBe(true)
    expect(isMentionableEmail('someone@example')).toBe(false)
    expect(isMentionableEmail('some one@example.com')).toBe(false)
    expect(isMentionableEmail('someone@example.com)')).toBe(false)
    expect(isMentionableEmail(`${'a'.repeat(400)}@example.com`)).toBe(false)
  })
})
