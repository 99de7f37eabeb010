/** Public server API: `import { createServer } from 'tandem/server'`. */
export { createServer, VERSION } from './create-server.js'
export type { ServerOptions, ServerLimits, TandemServer } from './create-server.js'
export type { DocStore, DocInfo, StoredDoc, StoredEntry, Seq } from './storage/doc-store.js'
export { MemoryDocStore, createMemoryDocStore } from './storage/memory-doc-store.js'
export { SqliteDocStore, createSqliteDocStore } from './storage/sqlite-doc-store.js'
export type { Connection } from './sync/connection.js'
