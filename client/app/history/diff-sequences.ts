/** One step of turning sequence `a` (then) into sequence `b` (now). */
export type DiffOp<T> = { kind: 'same'; value: T } | { kind: 'removed'; value: T } | { kind: 'added'; value: T }

/**
 * The most LCS table cells one diff may fill (4 bytes each: 16 MB, tens of milliseconds). Past it
 * the differing middle is reported as all removed then all added: a coarser diff, never a frozen tab.
 */
export const MAX_DIFF_CELLS = 4_000_000

/** Cells left for the diffs that draw on it; several diffs share one so their sum stays bounded too. */
export interface DiffBudget {
  /** Decremented by each table a diff fills; a diff whose table would not fit falls back. */
  cellsLeft: number
}

/**
 * Longest-common-subsequence diff of `a` (then) into `b` (now), common prefix and suffix trimmed
 * first. Where both keep an element, removals come before additions.
 */
export function diffSequences<T>(
  a: readonly T[],
  b: readonly T[],
  budget: DiffBudget = { cellsLeft: MAX_DIFF_CELLS },
): DiffOp<T>[] {
  let start = 0
  while (start < a.length && start < b.length && a[start] === b[start]) start++
  let endA = a.length
  let endB = b.length
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--
    endB--
  }
  const same = (value: T): DiffOp<T> => ({ kind: 'same', value })
  const removed = (value: T): DiffOp<T> => ({ kind: 'removed', value })
  const added = (value: T): DiffOp<T> => ({ kind: 'added', value })
  const midA = a.slice(start, endA)
  const midB = b.slice(start, endB)
  const n = midA.length
  const m = midB.length
  const cells = (n + 1) * (m + 1)
  let middle: DiffOp<T>[]
  // One side empty: nothing to match, so no table either.
  if (n === 0 || m === 0 || cells > budget.cellsLeft) {
    middle = [...midA.map(removed), ...midB.map(added)]
  } else {
    budget.cellsLeft -= cells
    middle = []
    // lengths[i * (m + 1) + j]: LCS length of midA[i..] and midB[j..]
    const lengths = new Uint32Array(cells)
    const lcs = (i: number, j: number) => lengths[i * (m + 1) + j] ?? 0
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lengths[i * (m + 1) + j] = midA[i] === midB[j] ? lcs(i + 1, j + 1) + 1 : Math.max(lcs(i + 1, j), lcs(i, j + 1))
      }
    }
    let i = 0
    let j = 0
    while (i < n && j < m) {
      const fromA = midA[i] as T
      const fromB = midB[j] as T
      if (fromA === fromB) {
        middle.push(same(fromA))
        i++
        j++
      } else if (lcs(i + 1, j) >= lcs(i, j + 1)) {
        middle.push(removed(fromA))
        i++
      } else {
        middle.push(added(fromB))
        j++
      }
    }
    middle.push(...midA.slice(i).map(removed), ...midB.slice(j).map(added))
  }
  return [...a.slice(0, start).map(same), ...middle, ...a.slice(endA).map(same)]
}
