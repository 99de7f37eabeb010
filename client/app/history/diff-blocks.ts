import { diffSequences, MAX_DIFF_CELLS, type DiffBudget } from './diff-sequences.js'

/** A run of text within a block: kept, added since the version, or removed since. */
export interface DiffPiece {
  /** Whether the run is in both texts, only in the live one, or only in the version. */
  kind: 'same' | 'added' | 'removed'
  /** The run's text, whitespace included. */
  text: string
}

/** One line (a paragraph, heading, list item…) of the version compared with the live document. */
export interface DiffBlock {
  /** Equal, only in the version (`removed`), only now (`added`), or in both but edited (`changed`). */
  kind: 'same' | 'added' | 'removed' | 'changed'
  /** The block's text in order; only a `changed` block mixes kinds (a word diff). */
  pieces: DiffPiece[]
}

function wordDiff(then: string, now: string, budget: DiffBudget): DiffPiece[] {
  const tokens = (line: string) => line.split(/(\s+)/).filter((token) => token !== '')
  const pieces: DiffPiece[] = []
  for (const op of diffSequences(tokens(then), tokens(now), budget)) {
    const last = pieces.at(-1)
    if (last && last.kind === op.kind) last.text += op.value
    else pieces.push({ kind: op.kind, text: op.value })
  }
  return pieces
}

/**
 * Blocks of the version's text (`thenText`) against the live text (`nowText`), one per non-blank
 * line: equal, removed since, added since, or changed (a removed line paired with the added line in
 * its place, diffed word by word). The line diff and all word diffs together fill at most twice
 * MAX_DIFF_CELLS, so even a huge document changed everywhere costs bounded time and memory.
 */
export function diffBlocks(thenText: string, nowText: string): DiffBlock[] {
  const lines = (text: string) =>
    text
      .split('\n')
      .map((line) => line.trimEnd())
      .filter((line) => line.trim() !== '')
  const wordBudget: DiffBudget = { cellsLeft: MAX_DIFF_CELLS }
  const blocks: DiffBlock[] = []
  let removed: string[] = []
  let added: string[] = []
  const flush = () => {
    const paired = Math.min(removed.length, added.length)
    for (let k = 0; k < paired; k++) {
      blocks.push({ kind: 'changed', pieces: wordDiff(removed[k] ?? '', added[k] ?? '', wordBudget) })
    }
    for (const text of removed.slice(paired)) blocks.push({ kind: 'removed', pieces: [{ kind: 'removed', text }] })
    for (const text of added.slice(paired)) blocks.push({ kind: 'added', pieces: [{ kind: 'added', text }] })
    removed = []
    added = []
  }
  for (const op of diffSequences(lines(thenText), lines(nowText))) {
    if (op.kind === 'removed') removed.push(op.value)
    else if (op.kind === 'added') added.push(op.value)
    else {
      flush()
      blocks.push({ kind: 'same', pieces: [{ kind: 'same', text: op.value }] })
    }
  }
  flush()
  return blocks
}
