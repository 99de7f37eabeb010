import { Role } from '../../shared/roles.js'

/**
 * The suggest-only check (suggest-only-guard.ts) needs the editor schema and y-tiptap, which take
 * about a second to load: loaded when the first comment-role connection arrives, not at start-up
 * (most servers never see one; loading blocks the event loop in bursts). Transport bindings wait
 * for it (suggestOnlyReadyFor) before such a connection joins its room, so the check is there,
 * synchronously, when its first update arrives.
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

/**
 * Resolves once a connection with `role` may join: at once unless it is a comment role and the
 * check is not loaded yet. Never rejects: if the load failed, comment-role updates are refused
 * (suggest-only-writes.ts) and the failure is logged there.
 */
export function suggestOnlyReadyFor(role: Role): Promise<unknown> {
  if (role !== Role.Comment || loaded) return Promise.resolve()
  return loadSuggestOnlyGuard().catch(() => undefined)
}
