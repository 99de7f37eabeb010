/**
 * Every worker-thread entry of the server, from the repository root. tsc emits each beside the
 * module that starts it; a build that bundles the server instead (bench/lib/server-process.ts) must
 * emit each beside the bundle, under its own name (threadEntry() looks for it there).
 */
export const THREAD_ENTRIES = ['server/storage/sqlite/sqlite-writer-thread.ts', 'server/sync/compaction-thread.ts']
