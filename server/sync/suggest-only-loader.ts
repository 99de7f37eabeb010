/**
 * The suggest-only check (suggest-only-guard.ts) needs the editor schema and y-tiptap, which take
 * about a second to load: a server without AUTH_SECRET (no comment role) never loads them, one with
 * it starts loading at start-up (create-server.ts), and rooms wait for that load before their first
 * client (DocRoom.load), so the check is there, synchronously, when a comment-role update arrives.
 */
type GuardModule = typeof import('./suggest-only-guard.js')

let loaded: GuardModule | null = null
let loading: Promise<GuardModule> | null = null

/** The module once loaded, else null (and the load is started). */
export function suggestOnlyGuardModule(): GuardModule | null {
  if (!loaded) void loadSuggestOnlyGuard().catch(() => undefined)
  return loaded
}

/** Resolves once the module is loaded (at once if it is). */
export function loadSuggestOnlyGuard(): Promise<GuardModule> {
  loading ??= import('./suggest-only-guard.js').then((module) => (loaded = module))
  return loading
}

/** Resolves once a load that was started has finished (at once if none was); never rejects. */
export function suggestOnlyGuardSettled(): Promise<unknown> {
  return loading?.catch(() => undefined) ?? Promise.resolve()
}
