// The array diff alone (a subpath jsdiff exports): the package root brings every tokenizer along,
// which Vite keeps, about 1.8 KB gzip the panel never uses.
import { diffArrays } from 'diff/lib/diff/array.js'

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

/**
 * The most paragraphs removed plus added that the line diff looks for. jsdiff's Myers diff costs
 * about the square of the edits it explores (1,000: about a tenth of a second); past it the paragraphs
 * between the common start and end are shown removed then added: a coarser diff, never a frozen tab.
 */
export const MAX_LINE_EDITS = 1_000

/**
 * The word diffs of one comparison share a budget of MAX_WORD_EDITS² steps, a Myers diff of D edits
 * costing about D²: many small edits all get their word diff, yet the sum stays near one diff of
 * MAX_WORD_EDITS edits. Each diff explores at most √(steps left) edits; a paragraph past that is
 * shown removed then added whole (its common start and end kept).
 */
export const MAX_WORD_EDITS = 1_000

/** Consecutive elements of the same kind; between two kept runs a removed run comes first. */
interface DiffRun<T> {
  kind: DiffPiece['kind']
  values: T[]
}

/**
 * `then` into `now` by jsdiff, exploring at most `maxEdits` removals plus additions; past that,
 * what lies between the common prefix and suffix is reported removed then added. `edits` is what
 * the diff spent: the edits it found, or all of `maxEdits` when it gave up.
 */
function diffRuns<T>(then: T[], now: T[], maxEdits: number): { runs: DiffRun<T>[]; edits: number } {
  const changes = diffArrays(then, now, { maxEditLength: maxEdits })
  if (changes === undefined) {
    let start = 0
    while (start < then.length && start < now.length && then[start] === now[start]) start++
    let end = 0
    const atEnd = (values: T[]) => values[values.length - 1 - end]
    while (start + end < then.length && start + end < now.length && atEnd(then) === atEnd(now)) end++
    const runs: DiffRun<T>[] = [
      { kind: 'same', values: then.slice(0, start) },
      { kind: 'removed', values: then.slice(start, then.length - end) },
      { kind: 'added', values: now.slice(start, now.length - end) },
      { kind: 'same', values: then.slice(then.length - end) },
    ]
    return { runs: runs.filter((run) => run.values.length > 0), edits: maxEdits }
  }
  // jsdiff prefers removals before additions but does not promise it; between two kept runs a
  // reader wants the old text, then the new.
  const runs: DiffRun<T>[] = []
  let removed: T[] = []
  let added: T[] = []
  let edits = 0
  const flush = () => {
    if (removed.length > 0) runs.push({ kind: 'removed', values: removed })
    if (added.length > 0) runs.push({ kind: 'added', values: added })
    edits += removed.length + added.length
    removed = []
    added = []
  }
  for (const change of changes) {
    if (change.removed) for (const value of change.value) removed.push(value)
    else if (change.added) for (const value of change.value) added.push(value)
    else {
      flush()
      runs.push({ kind: 'same', values: change.value })
    }
  }
  flush()
  return { runs, edits }
}

/** Words and the whitespace runs between them, so whitespace changes show and the text joins back. */
function words(line: string): string[] {
  return line.split(/(\s+)/).filter((token) => token !== '')
}

/** The non-blank lines, trailing spaces dropped: the rendering of a version keeps neither. */
function lines(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== '')
}

/**
 * Blocks of the version's text (`thenText`) against the live text (`nowText`), one per non-blank
 * line: equal, removed since, added since, or changed (a removed line paired with the added line in
 * its place, diffed word by word). The line diff is capped at MAX_LINE_EDITS edits and the word
 * diffs together at about the cost of one of MAX_WORD_EDITS, so even a huge document changed
 * everywhere costs bounded time.
 */
export function diffBlocks(thenText: string, nowText: string): DiffBlock[] {
  let wordStepsLeft = MAX_WORD_EDITS ** 2
  const wordDiff = (then: string, now: string): DiffPiece[] => {
    const { runs, edits } = diffRuns(words(then), words(now), Math.floor(Math.sqrt(wordStepsLeft)))
    wordStepsLeft -= edits ** 2
    return runs.map((run) => ({ kind: run.kind, text: run.values.join('') }))
  }
  const whole = (kind: 'same' | 'removed' | 'added', text: string): DiffBlock => ({ kind, pieces: [{ kind, text }] })
  const blocks: DiffBlock[] = []
  const { runs } = diffRuns(lines(thenText), lines(nowText), MAX_LINE_EDITS)
  for (let index = 0; index < runs.length; index++) {
    const run = runs[index] as DiffRun<string>
    const next = runs[index + 1]
    if (run.kind === 'removed' && next?.kind === 'added') {
      // A replacement: pair the lines in order, the surplus of either side stays removed or added.
      const paired = Math.min(run.values.length, next.values.length)
      for (let k = 0; k < paired; k++) {
        const [then, now] = [run.values[k] ?? '', next.values[k] ?? '']
        // Equal lines meet here only in the capped line diff's coarse middle.
        blocks.push(then === now ? whole('same', then) : { kind: 'changed', pieces: wordDiff(then, now) })
      }
      for (const text of run.values.slice(paired)) blocks.push(whole('removed', text))
      for (const text of next.values.slice(paired)) blocks.push(whole('added', text))
      index++
    } else {
      for (const text of run.values) blocks.push(whole(run.kind, text))
    }
  }
  return blocks
}
