/**
 * The SQLite writer thread's entry (started by sqlite-writer.ts): its own connection to the file,
 * doing every write of the process.
 */
import { workerData } from 'node:worker_threads'
import { serveRequests } from '../../threads/serve-requests.js'
import { SqliteWriteConnection, type SqliteWriterSettings, type WriteRequest } from './sqlite-write-connection.js'

const connection = new SqliteWriteConnection(workerData as SqliteWriterSettings)
serveRequests((request: WriteRequest) => connection.handle(request), { close: () => connection.close() })
