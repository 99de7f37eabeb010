/**
 * Hocuspocus with its SQLite extension (@hocuspocus/extension-sqlite), a server that persists too:
 * the fair anchor for Tandem's durable storage. Extension defaults except the database, which is a
 * file in BENCH_DATA_DIR rather than its default `:memory:` (that would persist nothing). Note what
 * it does not promise: Hocuspocus stores a document's whole state debounced (2 s after the last
 * change, at least every 10 s), and answers each update at once, before anything is on disk.
 */
import path from 'node:path'
import { SQLite } from '@hocuspocus/extension-sqlite'
import { Server } from '@hocuspocus/server'
import { serveControl } from './child-control.js'

const dataDir = process.env.BENCH_DATA_DIR
if (!dataDir) throw new Error('BENCH_DATA_DIR is required')
const server = new Server({
  quiet: true,
  stopOnSignals: false,
  extensions: [new SQLite({ database: path.join(dataDir, 'hocuspocus.sqlite') })],
})
// As in hocuspocus.ts: listen on the http server directly to stay on loopback.
server.httpServer.listen(0, '127.0.0.1', () => {
  serveControl(server.address.port, () => server.destroy())
})
