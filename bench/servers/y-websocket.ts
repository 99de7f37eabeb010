/**
 * The y-websocket reference server (@y/websocket-server 0.1.1), wired as its own bin does it.
 * With BENCH_SNAPSHOT_DIR set, a document is loaded from `<name>.bin` when first opened: a stand-in
 * for its LevelDB persistence (not installed) with the same shape, one read and one apply.
 */
import { existsSync, readFileSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { setPersistence, setupWSConnection } from '@y/websocket-server/utils'
import { WebSocketServer } from 'ws'
import * as Y from 'yjs'
import { serveControl, snapshotDir } from './child-control.js'

const snapshots = snapshotDir()
if (snapshots) {
  setPersistence({
    provider: null,
    bindState: (docName: string, doc: Y.Doc) => {
      const file = path.join(snapshots, `${docName}.bin`)
      // Synchronous on purpose: the connection's SyncStep1 is written right after bindState returns.
      if (existsSync(file)) Y.applyUpdate(doc, readFileSync(file))
    },
    writeState: async () => {},
  })
}

const wss = new WebSocketServer({ noServer: true })
wss.on('connection', setupWSConnection)
const server = http.createServer((_request, response) => {
  response.writeHead(200, { 'Content-Type': 'text/plain' })
  response.end('okay')
})
server.on('upgrade', (request, socket, head) => {
  wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request))
})
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo
  serveControl(port, async () => {
    server.closeAllConnections()
    server.close()
  })
})
