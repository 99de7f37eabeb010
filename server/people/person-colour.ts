import { createHash } from 'node:crypto'

/**
 * Caret and avatar colours: mid-tone, distinct from each other and readable behind white text and
 * on white paper alike.
 */
const PALETTE = [
  '#c0392b',
  '#d35400',
  '#b7950b',
  '#27ae60',
  '#16a085',
  '#2980b9',
  '#8e44ad',
  '#c2185b',
  '#5d6d7e',
  '#1e8449',
  '#2e4053',
  '#a04000',
] as const

/** The colour a person gets at first sign-in: from their id, so every instance picks the same one. */
export function colourFor(personId: string): string {
  const index = createHash('sha256').update(personId).digest().readUInt32BE(0) % PALETTE.length
  return PALETTE[index]!
}
