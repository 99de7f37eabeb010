import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { diffBlocks, MAX_LINE_EDITS, MAX_WORD_EDITS, type DiffBlock } from '../../client/app/history/diff-blocks.js'

/** The version's side of a block (what was there then) and the live side (what is there now). */
const thenOf = (block: DiffBlock) =>
  block.pieces
    .filter((piece) => piece.kind !== 'added')
    .map((piece) => piece.text)
    .join('')
const nowOf = (block: DiffBlock) =>
  block.pieces
    .filter((piece) => piece.kind !== 'removed')
    .map((piece) => piece.text)
    .join('')
/** Every line of the version, and every line of the live text, read back from the blocks. */
const thenLines = (blocks: DiffBlock[]) => blocks.filter((block) => block.kind !== 'added').map(thenOf)
const nowLines = (blocks: DiffBlock[]) => blocks.filter((block) => block.kind !== 'removed').map(nowOf)
const kinds = (blocks: DiffBlock[]) => blocks.map((block) => block.kind)
const count = (blocks: DiffBlock[], kind: DiffBlock['kind']) => blocks.filter((block) => block.kind === kind).length

/**
 * A sanity ceiling on one diff's wall-clock time. The cases below take milliseconds (a few hundred
 * on a machine shared with other test workers); the ceiling is generous so that a busy CI machine
 * never flakes, and the exact results asserted alongside are what the old, budgeted diff got wrong.
 */
const BOUNDED_MS = 5_000
function timed<T>(run: () => T): { result: T; ms: number } {
  const start = performance.now()
  const result = run()
  return { result, ms: performance.now() - start }
}

describe('diffBlocks: paragraphs', () => {
  it('shows identical texts as the same blocks, one per non-blank line', () => {
    const text = 'Title\n\nFirst paragraph.\nSecond one.'
    expect(diffBlocks(text, text)).toEqual([
      { kind: 'same', pieces: [{ kind: 'same', text: 'Title' }] },
      { kind: 'same', pieces: [{ kind: 'same', text: 'First paragraph.' }] },
      { kind: 'same', pieces: [{ kind: 'same', text: 'Second one.' }] },
    ])
  })

  it('keeps every paragraph of a large unchanged document', () => {
    const lines = Array.from({ length: 10_000 }, (_, index) => `line ${index}`)
    const blocks = diffBlocks(lines.join('\n'), lines.join('\n'))
    expect(blocks.every((block) => block.kind === 'same')).toBe(true)
    expect(nowLines(blocks)).toEqual(lines)
  })

  it('ignores blank lines and trailing spaces, which the rendering of a version does not keep', () => {
    expect(diffBlocks('One\n\n\nTwo', 'One  \nTwo\n\n').every((block) => block.kind === 'same')).toBe(true)
  })

  it('marks a paragraph written since the version as added', () => {
    expect(diffBlocks('One\nThree', 'One\nTwo\nThree')).toEqual([
      { kind: 'same', pieces: [{ kind: 'same', text: 'One' }] },
      { kind: 'added', pieces: [{ kind: 'added', text: 'Two' }] },
      { kind: 'same', pieces: [{ kind: 'same', text: 'Three' }] },
    ])
  })

  it('marks a paragraph deleted since the version as removed', () => {
    expect(diffBlocks('One\nTwo\nThree', 'One\nThree')).toEqual([
      { kind: 'same', pieces: [{ kind: 'same', text: 'One' }] },
      { kind: 'removed', pieces: [{ kind: 'removed', text: 'Two' }] },
      { kind: 'same', pieces: [{ kind: 'same', text: 'Three' }] },
    ])
  })

  it('pairs removed and added paragraphs in order and leaves the surplus removed or added', () => {
    const blocks = diffBlocks('Keep\nold a\nold b\nold c\nEnd', 'Keep\nnew a\nnew b\nEnd')
    expect(kinds(blocks)).toEqual(['same', 'changed', 'changed', 'removed', 'same'])
    expect(blocks.slice(1, 4).map(thenOf)).toEqual(['old a', 'old b', 'old c'])
    expect(blocks.slice(1, 3).map(nowOf)).toEqual(['new a', 'new b'])
  })

  it('keeps a longest common subsequence of paragraphs, so the change shown is the smallest', () => {
    // The LCS of ABCBDAB and BDCABA has length 4 (e.g. BCBA).
    const blocks = diffBlocks([...'ABCBDAB'].join('\n'), [...'BDCABA'].join('\n'))
    expect(count(blocks, 'same')).toBe(4)
    expect(thenLines(blocks).join('')).toBe('ABCBDAB')
    expect(nowLines(blocks).join('')).toBe('BDCABA')
  })

  it('shows everything as added against an empty version, and as removed once the document is emptied', () => {
    expect(kinds(diffBlocks('', 'One\nTwo'))).toEqual(['added', 'added'])
    expect(kinds(diffBlocks('One\nTwo', ''))).toEqual(['removed', 'removed'])
    expect(diffBlocks('', '')).toEqual([])
    expect(diffBlocks('\n\n', ' \n')).toEqual([])
  })

  it('diffs a large document with scattered deletions and edits exactly', () => {
    const then = Array.from({ length: 1500 }, (_, index) => `line ${index}`)
    const now = then.filter((_, index) => index % 100 !== 7).map((line, index) => (index % 250 === 3 ? 'new' : line))
    const blocks = diffBlocks(then.join('\n'), now.join('\n'))
    expect(thenLines(blocks)).toEqual(then)
    expect(nowLines(blocks)).toEqual(now)
    expect(count(blocks, 'removed')).toBe(15)
    expect(count(blocks, 'changed')).toBe(6)
    expect(count(blocks, 'added')).toBe(0)
  })

  it('finds the exact two edits at the top and bottom of a 5,000-paragraph document, in bounded time', () => {
    const then = Array.from({ length: 5_000 }, (_, index) => `Paragraph ${index} with some words in it.`)
    const now = [...then]
    now[0] = 'Paragraph 0 with other words in it.'
    now[4_999] = 'Paragraph 4999 with some words in it, and more.'
    const { result: blocks, ms } = timed(() => diffBlocks(then.join('\n'), now.join('\n')))
    expect(blocks).toHaveLength(5_000)
    expect(blocks.slice(1, -1).every((block) => block.kind === 'same')).toBe(true)
    expect(blocks[0]).toEqual({
      kind: 'changed',
      pieces: [
        { kind: 'same', text: 'Paragraph 0 with ' },
        { kind: 'removed', text: 'some' },
        { kind: 'added', text: 'other' },
        { kind: 'same', text: ' words in it.' },
      ],
    })
    expect(blocks[4_999]).toEqual({
      kind: 'changed',
      pieces: [
        { kind: 'same', text: 'Paragraph 4999 with some words in ' },
        { kind: 'removed', text: 'it.' },
        { kind: 'added', text: 'it, and more.' },
      ],
    })
    expect(ms).toBeLessThan(BOUNDED_MS)
  })

  it('stays bounded on a 5,000-paragraph document rewritten everywhere, every line still shown', () => {
    const then = Array.from({ length: 5_000 }, (_, index) => `Paragraph ${index} as it was then.`)
    const now = then.map((_, index) => `Paragraph ${index} as it is now.`)
    const { result: blocks, ms } = timed(() => diffBlocks(then.join('\n'), now.join('\n')))
    expect(blocks.every((block) => block.kind === 'changed')).toBe(true)
    expect(thenLines(blocks)).toEqual(then)
    expect(nowLines(blocks)).toEqual(now)
    expect(ms).toBeLessThan(BOUNDED_MS)
  })

  it('past MAX_LINE_EDITS shows the middle replaced in order, keeping the common start and end', () => {
    // A paragraph moved from the top to the bottom while the rest is rewritten: the exact diff keeps it.
    const document = (rewritten: number) => {
      const then = ['Start', 'Moved', ...Array.from({ length: rewritten }, (_, index) => `then ${index}`), 'End']
      const now = ['Start', ...Array.from({ length: rewritten }, (_, index) => `now ${index}`), 'Moved', 'End']
      return diffBlocks(then.join('\n'), now.join('\n'))
    }
    const exact = document(MAX_LINE_EDITS / 2) // needs MAX_LINE_EDITS edits: found exactly
    expect(count(exact, 'same')).toBe(3)
    expect(count(exact, 'removed') + count(exact, 'added')).toBe(MAX_LINE_EDITS)

    const rewritten = MAX_LINE_EDITS / 2 + 1 // needs MAX_LINE_EDITS + 2 edits: past the cap
    const coarse = document(rewritten)
    expect(kinds(coarse)).toEqual(['same', ...Array.from({ length: rewritten + 1 }, () => 'changed'), 'same'])
    expect(coarse[1] && thenOf(coarse[1])).toBe('Moved')
    expect(coarse[1] && nowOf(coarse[1])).toBe('now 0')
  })

  it('reads back both texts whole, and shows what was removed before what was added, whatever the edits', () => {
    const line = fc.constantFrom('alpha', 'beta', 'gamma delta', 'beta  gamma', 'alpha gamma beta', 'δ ε', '')
    const text = fc.array(line, { maxLength: 30 }).map((lines) => lines.join('\n'))
    const nonBlank = (value: string) => value.split('\n').filter((entry) => entry !== '')
    const addedThenRemoved = (sequence: { kind: string }[]) =>
      sequence.some((entry, index) => entry.kind === 'added' && sequence[index + 1]?.kind === 'removed')
    fc.assert(
      fc.property(text, text, (then, now) => {
        const blocks = diffBlocks(then, now)
        expect(thenLines(blocks)).toEqual(nonBlank(then))
        expect(nowLines(blocks)).toEqual(nonBlank(now))
        expect(addedThenRemoved(blocks)).toBe(false)
        expect(blocks.some((block) => addedThenRemoved(block.pieces))).toBe(false)
      }),
    )
  })
})

describe('diffBlocks: words within a paragraph', () => {
  it('shows an edited paragraph as changed, word by word, with whitespace kept', () => {
    expect(diffBlocks('We met on Tuesday.', 'We met on  Friday.')).toEqual([
      {
        kind: 'changed',
        pieces: [
          { kind: 'same', text: 'We met on' },
          { kind: 'removed', text: ' Tuesday.' },
          { kind: 'added', text: '  Friday.' },
        ],
      },
    ])
  })

  it('compares unicode text by whole words: accents, emoji, astral characters and non-breaking spaces', () => {
    const [block] = diffBlocks('Café ☕ naïve 𝒳 ok', 'Café 🍵 naïve\u00a0𝒳 ok')
    expect(block?.kind).toBe('changed')
    expect(block?.pieces).toEqual([
      { kind: 'same', text: 'Café ' },
      { kind: 'removed', text: '☕' },
      { kind: 'added', text: '🍵' },
      { kind: 'same', text: ' naïve' },
      { kind: 'removed', text: ' ' },
      { kind: 'added', text: '\u00a0' },
      { kind: 'same', text: '𝒳 ok' },
    ])
  })

  it('compares scripts beyond Latin by whole words too, never letter by letter', () => {
    const [block] = diffBlocks('Привет мир', 'Привет мора')
    expect(block?.pieces).toEqual([
      { kind: 'same', text: 'Привет ' },
      { kind: 'removed', text: 'мир' },
      { kind: 'added', text: 'мора' },
    ])
  })

  it('treats a line without spaces (as in Chinese or Japanese) as one word', () => {
    const [block] = diffBlocks('今日は良い天気です', '今日は悪い天気です')
    expect(block?.pieces).toEqual([
      { kind: 'removed', text: '今日は良い天気です' },
      { kind: 'added', text: '今日は悪い天気です' },
    ])
  })

  it('gives each of many small edits its word diff', () => {
    const then = Array.from({ length: 400 }, (_, index) => `Paragraph ${index} with some words in it.`)
    const now = then.map((line) => line.replace('some', 'other'))
    const blocks = diffBlocks(then.join('\n'), now.join('\n'))
    expect(blocks.every((block) => block.kind === 'changed')).toBe(true)
    expect(blocks.every((block) => block.pieces.map((piece) => piece.text).includes('other'))).toBe(true)
  })

  it('bounds the word diffs of a document changed everywhere: past MAX_WORD_EDITS² steps paragraphs are shown replaced whole', () => {
    // Every other word of each paragraph is replaced: 50 removed + 50 added words, 100 edits
    // (100² steps) a paragraph.
    const paragraph = (k: number, word: (index: number) => string) =>
      `p${k} ${Array.from({ length: 100 }, (_, index) => word(index)).join(' ')}`
    const fitting = MAX_WORD_EDITS ** 2 / 100 ** 2
    const then = Array.from({ length: fitting + 5 }, (_, k) => paragraph(k, (index) => `w${index}`))
    const now = Array.from({ length: fitting + 5 }, (_, k) =>
      paragraph(k, (index) => (index % 2 === 0 ? `x${index}` : `w${index}`)),
    )
    const blocks = diffBlocks(then.join('\n'), now.join('\n'))
    expect(blocks.every((block) => block.kind === 'changed')).toBe(true)
    expect(blocks.map(thenOf)).toEqual(then)
    expect(blocks.map(nowOf)).toEqual(now)
    // The paragraphs that fit get a word diff that keeps the shared words…
    expect(blocks[fitting - 1]?.pieces.filter((piece) => piece.kind === 'same')).toHaveLength(51)
    // …the later ones only keep their common start and end.
    expect(blocks[fitting]?.pieces).toEqual([
      { kind: 'same', text: `p${fitting} ` },
      { kind: 'removed', text: then[fitting]?.slice(`p${fitting} `.length, -' w99'.length) },
      { kind: 'added', text: now[fitting]?.slice(`p${fitting} `.length, -' w99'.length) },
      { kind: 'same', text: ' w99' },
    ])
  })

  it('bounds one huge paragraph rewritten whole, shown removed then added', () => {
    const huge = (prefix: string) => Array.from({ length: 5_000 }, (_, index) => `${prefix}${index}`).join(' ')
    const { result: blocks, ms } = timed(() => diffBlocks(huge('then'), huge('now')))
    expect(blocks).toEqual([
      {
        kind: 'changed',
        pieces: [
          { kind: 'removed', text: huge('then') },
          { kind: 'added', text: huge('now') },
        ],
      },
    ])
    expect(ms).toBeLessThan(BOUNDED_MS)
  })
})
