// Development only (see TYPESCRIPT_ENTRY_LOADER in request-worker.ts): a worker thread whose entry is
// TypeScript, because the server runs from source under vitest or tsx, starts here. tsx's loader is
// registered first, then the entry (the last argument) is imported through it.
import { register } from 'tsx/esm/api'

register()
await import(process.argv[process.argv.length - 1])
