/** How a writer appears to others: on their caret label, selection and avatar. */
export interface EditorUser {
  name: string
  /** `#rrggbb`: CollaborationCaret ignores any other colour format. */
  color: string
}

/** Readable on both light and dark backgrounds, and distinct from each other. */
export const USER_COLORS = [
  '#e5484d',
  '#f76b15',
  '#d4a106',
  '#30a46c',
  '#12a594',
  '#0090ff',
  '#3e63dd',
  '#8e4ec6',
  '#d6409f',
  '#7d6b5d',
] as const

const ANIMALS = [
  'Otter',
  'Heron',
  'Lynx',
  'Fox',
  'Badger',
  'Wren',
  'Marten',
  'Ibex',
  'Puffin',
  'Hare',
  'Orca',
  'Kestrel',
]

export function isUserColor(value: unknown): value is string {
  return typeof value === 'string' && /^#[0-9a-fA-F]{6}$/.test(value)
}

export function randomUserColor(random = Math.random): string {
  return USER_COLORS[Math.floor(random() * USER_COLORS.length)] ?? USER_COLORS[0]
}

/** A friendly default so carets never read "null" before the writer picks a name. */
export function randomUserName(random = Math.random): string {
  return `Anonymous ${ANIMALS[Math.floor(random() * ANIMALS.length)] ?? 'Otter'}`
}

/** Fills in what an embedder left out; the colour must be `#rrggbb` to show at all. */
export function completeUser(user: Partial<EditorUser> | undefined): EditorUser {
  return {
    name: user?.name?.trim() || randomUserName(),
    color: isUserColor(user?.color) ? user.color : randomUserColor(),
  }
}

/** Up to two initials for an avatar. */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean)
  const letters = words.length > 1 ? [words[0]?.[0], words.at(-1)?.[0]] : [words[0]?.[0], words[0]?.[1]]
  return letters.filter(Boolean).join('').toUpperCase() || '?'
}
