/**
 * Hocuspocus (@hocuspocus/server) as a server under test, with no extensions: documents live in
 * memory. With BENCH_SNAPSHOT_DIR set, onLoadDocument applies `<name>.bin`, the shape of its
 * database extension (one stored state per document).
 */
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { Server } from '@hocuspocus/server'
import * as Y from 'yjs'
import { serveControl, snapshotDir } from './child-control.js'

const snapshots = snapshotDir()
const server = new Server({
  quiet: true,
  stopOnSignals: false,
  async onLoadDocument({ documentName, document }) {
    const file = snapshots ? path.join(snapshots, `${documentName}.bin`) : undefined
    if (file && existsSync(file)) Y.applyUpdate(document, readFileSync(file))
    return document
  },
})
// Server.listen() passes `address` where Node reads `host`, so it would bind every interface;
// listening on its http server directly keeps the bench on loopback with the same handlers.
server.httpServer.listen(0, '127.0.0.1', () => {
  serveControl(server.address.port, () => server.destroy())
})
