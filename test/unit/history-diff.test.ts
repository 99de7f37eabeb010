import { describe, expect, it } from 'vitest'
import { diffBlocks, type DiffBlock } from '../../client/app/history/diff-blocks.js'
import { diffSequences, MAX_DIFF_CELLS, type DiffOp } from '../../client/app/history/diff-sequences.js'

const chars = (text: string) => [...text]
/** The ops as a compact string: `=a` kept, `-a` removed, `+a` added. */
const show = (ops: DiffOp<string>[]) =>
  ops.map((op) => ({ same: '=', removed: '-', added: '+' })[op.kind] + op.value).join(' ')
const before = (ops: DiffOp<string>[]) => ops.filter((op) => op.kind !== 'added').map((op) => op.value)
const after = (ops: DiffOp<string>[]) => ops.filter((op) => op.kind !== 'removed').map((op) => op.value)

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

describe('diffSequences', () => {
  it('keeps every element of identical sequences, without filling a table', () => {
    const budget = { cellsLeft: 10 }
    const words = Array.from({ length: 10_000 }, (_, index) => `w${index}`)
    const ops = diffSequences(words, [...words], budget)
    expect(ops.every((op) => op.kind === 'same')).toBe(true)
    expect(after(ops)).toEqual(words)
    expect(budget.cellsLeft).toBe(10)
  })

  it('marks an insertion as added between the kept elements', () => {
    expect(show(diffSequences(chars('abd'), chars('abcd')))).toBe('=a =b +c =d')
  })

  it('marks a deletion as removed between the kept elements', () => {
    expect(show(diffSequences(chars('abcd'), chars('abd')))).toBe('=a =b -c =d')
  })

  it('reports a replacement as the removal followed by the addition', () => {
    expect(show(diffSequences(chars('axd'), chars('ayd')))).toBe('=a -x +y =d')
  })

  it('adds everything to an empty sequence and removes everything from one emptied', () => {
    expect(show(diffSequences([], chars('ab')))).toBe('+a +b')
    expect(show(diffSequences(chars('ab'), []))).toBe('-a -b')
    expect(diffSequences([], [])).toEqual([])
  })

  it('keeps a longest common subsequence, so the change shown is the smallest', () => {
    // LCS of ABCBDAB and BDCABA has length 4 (e.g. BCBA).
    const ops = diffSequences(chars('ABCBDAB'), chars('BDCABA'))
    expect(ops.filter((op) => op.kind === 'same')).toHaveLength(4)
    expect(before(ops).join('')).toBe('ABCBDAB')
    expect(after(ops).join('')).toBe('BDCABA')
  })

  it('draws the table it fills from the budget it is given', () => {
    const budget = { cellsLeft: 100 }
    diffSequences(chars('xaby'), chars('xbay'), budget) // middle "ab" against "ba": a 3 × 3 table
    expect(budget.cellsLeft).toBe(91)
  })

  it('falls back to removed-then-added for a middle whose table exceeds the budget, keeping prefix and suffix', () => {
    const budget = { cellsLeft: 8 } // the middle needs 3 × 3 = 9
    const ops = diffSequences(chars('xaby'), chars('xbay'), budget)
    expect(show(ops)).toBe('=x -a -b +b +a =y')
    expect(budget.cellsLeft).toBe(8)
  })

  it('stays bounded on large inputs that share nothing: past MAX_DIFF_CELLS the middle is replaced whole', () => {
    const size = Math.ceil(Math.sqrt(MAX_DIFF_CELLS)) + 1
    const then = Array.from({ length: size }, (_, index) => `then ${index}`)
    const now = Array.from({ length: size }, (_, index) => `now ${index}`)
    const ops = diffSequences(['start', ...then, 'end'], ['start', ...now, 'end'])
    expect(ops.map((op) => op.kind)).toEqual(['same', ...then.map(() => 'removed'), ...now.map(() => 'added'), 'same'])
  })

  it('still diffs exactly when a large input fits the budget', () => {
    const then = Array.from({ length: 1500 }, (_, index) => `line ${index}`)
    const now = then.filter((_, index) => index % 100 !== 7).map((line, index) => (index % 250 === 3 ? 'new' : line))
    const ops = diffSequences(then, now)
    expect(before(ops)).toEqual(then)
    expect(after(ops)).toEqual(now)
    expect(ops.filter((op) => op.kind === 'removed')).toHaveLength(15 + 6)
    expect(ops.filter((op) => op.kind === 'added')).toHaveLength(6)
  })
})

describe('diffBlocks', () => {
  it('shows identical texts as the same blocks, one per non-blank line', () => {
    const text = 'Title\n\nFirst paragraph.\nSecond one.'
    expect(diffBlocks(text, text)).toEqual([
      { kind: 'same', pieces: [{ kind: 'same', text: 'Title' }] },
      { kind: 'same', pieces: [{ kind: 'same', text: 'First paragraph.' }] },
      { kind: 'same', pieces: [{ kind: 'same', text: 'Second one.' }] },
    ])
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

  it('pairs removed and added paragraphs in order and leaves the surplus removed or added', () => {
    const blocks = diffBlocks('Keep\nold a\nold b\nold c\nEnd', 'Keep\nnew a\nnew b\nEnd')
    expect(blocks.map((block) => block.kind)).toEqual(['same', 'changed', 'changed', 'removed', 'same'])
    expect(blocks.slice(1, 4).map(thenOf)).toEqual(['old a', 'old b', 'old c'])
    expect(blocks.slice(1, 3).map(nowOf)).toEqual(['new a', 'new b'])
  })

  it('shows everything as added against an empty version, and as removed once the document is emptied', () => {
    expect(diffBlocks('', 'One\nTwo').map((block) => block.kind)).toEqual(['added', 'added'])
    expect(diffBlocks('One\nTwo', '').map((block) => block.kind)).toEqual(['removed', 'removed'])
    expect(diffBlocks('', '')).toEqual([])
    expect(diffBlocks('\n\n', ' \n')).toEqual([])
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

  it('treats a line without spaces (as in Chinese or Japanese) as one word', () => {
    const [block] = diffBlocks('今日は良い天気です', '今日は悪い天気です')
    expect(block?.pieces).toEqual([
      { kind: 'removed', text: '今日は良い天気です' },
      { kind: 'added', text: '今日は悪い天気です' },
    ])
  })

  it('bounds the word diffs of a large document changed everywhere: later paragraphs are shown replaced whole', () => {
    // Each paragraph differs at both ends, so its whole line is diffed: about 600 × 600 cells.
    const middle = Array.from({ length: 300 }, (_, index) => `word${index}`).join(' ')
    const paragraphs = 20 // together far more than MAX_DIFF_CELLS
    const then = Array.from({ length: paragraphs }, (_, k) => `then${k} ${middle} then${k}`)
    const now = Array.from({ length: paragraphs }, (_, k) => `now${k} ${middle} now${k}`)
    const blocks = diffBlocks(then.join('\n'), now.join('\n'))
    expect(blocks.every((block) => block.kind === 'changed')).toBe(true)
    expect(blocks.map(thenOf)).toEqual(then)
    expect(blocks.map(nowOf)).toEqual(now)
    // The first paragraphs get a word diff that keeps the shared words; the last no longer fit.
    expect(blocks[0]?.pieces).toEqual([
      { kind: 'removed', text: 'then0' },
      { kind: 'added', text: 'now0' },
      { kind: 'same', text: ` ${middle} ` },
      { kind: 'removed', text: 'then0' },
      { kind: 'added', text: 'now0' },
    ])
    expect(blocks.at(-1)?.pieces.map((piece) => piece.kind)).toEqual(['removed', 'added'])
  })
})
