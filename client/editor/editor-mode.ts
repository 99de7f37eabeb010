import { useCallback, useEffect, useRef, useState } from 'react'
import type { Role } from '../../shared/roles.js'

/**
 * How a writer works on the document, as in Google Docs: Editing changes the text, Suggesting turns
 * every change into a suggestion others accept or reject, Viewing changes nothing.
 */
export const EditorMode = {
  Editing: 'editing',
  Suggesting: 'suggesting',
  Viewing: 'viewing',
} as const
export type EditorMode = (typeof EditorMode)[keyof typeof EditorMode]

/**
 * The modes a role may use (docs/security.md): the server refuses a comment-role update that is
 * anything but the author's own suggestions, and every view-role update, whatever the menu says.
 */
const MODES_BY_ROLE: Record<Role, readonly EditorMode[]> = {
  edit: [EditorMode.Editing, EditorMode.Suggesting, EditorMode.Viewing],
  comment: [EditorMode.Suggesting, EditorMode.Viewing],
  view: [EditorMode.Viewing],
}

export function modesFor(role: Role): readonly EditorMode[] {
  return MODES_BY_ROLE[role]
}

/** The mode a role opens in when nothing was chosen: the most a role allows (a comment link suggests). */
export function defaultMode(role: Role): EditorMode {
  return MODES_BY_ROLE[role][0] ?? EditorMode.Viewing
}

/** `mode` when the role allows it, else the role's default. */
export function clampMode(mode: EditorMode | null | undefined, role: Role): EditorMode {
  return mode && MODES_BY_ROLE[role].includes(mode) ? mode : defaultMode(role)
}

export function isEditorMode(value: unknown): value is EditorMode {
  return value === EditorMode.Editing || value === EditorMode.Suggesting || value === EditorMode.Viewing
}

const MODE_KEY_PREFIX = 'tandem:mode:'

interface KeyValueStorage {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
}

/** localStorage, typed without the DOM library (this module is also checked as Node code by the tests). */
function pageStorage(): KeyValueStorage | undefined {
  return (globalThis as { localStorage?: KeyValueStorage }).localStorage
}

/** The mode last chosen for `docId` in this browser, or null. */
export function rememberedMode(docId: string): EditorMode | null {
  try {
    const stored = pageStorage()?.getItem(MODE_KEY_PREFIX + docId) ?? null
    return isEditorMode(stored) ? stored : null
  } catch {
    return null // storage off (privacy mode): nothing remembered
  }
}

export function rememberMode(docId: string, mode: EditorMode): void {
  try {
    pageStorage()?.setItem(MODE_KEY_PREFIX + docId, mode)
  } catch {
    // storage off: the choice lasts for this page only
  }
}

export interface EditorModeState {
  /** The mode in force: always one the role allows. */
  mode: EditorMode
  /** The modes the menu offers. */
  modes: readonly EditorMode[]
  /** Chooses a mode (ignored when the role does not allow it) and remembers it for the document. */
  setMode: (mode: EditorMode) => void
}

/**
 * The mode of one document's editor. It starts from the `requested` mode (the embedder's `mode` prop),
 * else the one remembered for the document, else the role's default; a mode the role does not allow
 * becomes the role's default, so a comment link never edits and a view link only views. The role may
 * change after the first render (the web app learns it from the server): the mode follows.
 */
export function useEditorMode(
  docId: string,
  role: Role,
  requested: EditorMode | undefined,
  onModeChange?: (mode: EditorMode) => void,
): EditorModeState {
  const [chosen, setChosen] = useState<EditorMode | null>(() => requested ?? rememberedMode(docId))
  // A new document or a new requested mode restarts from them.
  const lastInputs = useRef({ docId, requested })
  if (lastInputs.current.docId !== docId || lastInputs.current.requested !== requested) {
    lastInputs.current = { docId, requested }
    const next = requested ?? rememberedMode(docId)
    if (next !== chosen) setChosen(next)
  }
  const mode = clampMode(chosen, role)

  const onChangeRef = useRef(onModeChange)
  onChangeRef.current = onModeChange
  const reported = useRef<EditorMode | null>(null)
  useEffect(() => {
    if (reported.current === mode) return
    // The first mode is no change the embedder asked to hear about.
    if (reported.current !== null) onChangeRef.current?.(mode)
    reported.current = mode
  }, [mode])

  const setMode = useCallback(
    (next: EditorMode) => {
      if (!MODES_BY_ROLE[role].includes(next)) return
      setChosen(next)
      rememberMode(docId, next)
    },
    [docId, role],
  )
  return { mode, modes: MODES_BY_ROLE[role], setMode }
}
