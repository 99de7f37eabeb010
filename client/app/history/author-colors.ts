import { USER_COLORS } from '../../editor/user-identity.js'

/** For changes whose author the server could not tell (versions recorded before it kept track). */
export const UNKNOWN_AUTHOR_COLOR = '#8b8d98'
const UNKNOWN_AUTHOR = 'Unknown'

/** A stable number for a name (FNV-1a): the same name starts from the same colour everywhere. */
function hash(name: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193)
  return h >>> 0
}

/**
 * A colour per author of a comparison: the one they show in now, when they are here (`present`:
 * name → caret colour), else the one they showed in when they edited (as the server recorded it,
 * when their presence reached it), else one derived from their name, the same in every browser. Two
 * authors of one comparison never share one: the later name (alphabetically) of a pair that would
 * takes the next free colour.
 */
export function authorColors(
  authors: readonly { name: string; color: string | null }[],
  present: ReadonlyMap<string, string> = new Map(),
): Map<string, string> {
  const colors = new Map<string, string>()
  const taken = new Set<string>()
  const sorted = [...authors].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  for (const { name, color: recorded } of sorted) {
    if (colors.has(name)) continue
    if (name === UNKNOWN_AUTHOR) {
      colors.set(name, UNKNOWN_AUTHOR_COLOR)
      continue
    }
    const palette = [...USER_COLORS] as string[]
    const preferred = present.get(name) ?? recorded ?? palette[hash(name) % palette.length] ?? USER_COLORS[0]
    const start = Math.max(0, palette.indexOf(preferred))
    let color = preferred
    for (let step = 0; taken.has(color) && step < palette.length; step++) {
      color = palette[(start + step + 1) % palette.length] ?? preferred
    }
    taken.add(color)
    colors.set(name, color)
  }
  return colors
}
