/**
 * The floor: a Yjs-less relay that forwards every frame to the other clients of the same room
 * (room = URL path). What remains of a latency or CPU figure here is the machine, the WebSocket
 * stack and the load generator.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'
import { serveControl } from './child-control.js'

const rooms = new Map<string, Set<WebSocket>>()
const server = http.createServer()
const wss = new WebSocketServer({ server })
wss.on('connection', (ws, request) => {
  const name = (request.url ?? '/').split('?')[0] ?? '/'
  let room = rooms.get(name)
  if (!room) rooms.set(name, (room = new Set()))
  const members = room
  members.add(ws)
  ws.on('message', (data, isBinary) => {
    for (const peer of members) if (peer !== ws && peer.readyState === peer.OPEN) peer.send(data, { binary: isBinary })
  })
  ws.on('close', () => {
    members.delete(ws)
    if (members.size === 0) rooms.delete(name)
  })
  ws.on('error', () => ws.terminate())
})
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo
  serveControl(port, async () => {
    for (const client of wss.clients) client.terminate()
    server.close()
  })
})
