import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, expect, it } from 'vitest'
import WebSocket from 'ws'
import { spawnServer, type ChildServer } from '../helpers/child-server.js'

// The per-address cap, set the way an operator sets it: an office of 60 behind one NAT address must
// be able to open a document when MAX_CONNECTIONS_PER_ADDRESS says so (the default is 50).

let server: ChildServer | null = null
let dataDir: string | null = null
const sockets: WebSocket[] = []

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.terminate()
  server?.process.kill('SIGTERM')
  await server?.exited
  server = null
  if (dataDir) await rm(dataDir, { recursive: true, force: true })
  dataDir = null
})

/** Opens a WebSocket and resolves with the upgrade's status: 101 when it opened, else the HTTP status. */
function openStatus(url: string): Promise<number> {
  const socket = new WebSocket(url)
  sockets.push(socket)
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(101))
    socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0))
    socket.once('error', reject)
  })
}

it('MAX_CONNECTIONS_PER_ADDRESS lets 60 people behind one address in, and refuses the 61st with 429', async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'tandem-limits-'))
  server = await spawnServer(['--port', '0', '--data-dir', dataDir], { MAX_CONNECTIONS_PER_ADDRESS: '60' })
  const statuses = await Promise.all(Array.from({ length: 60 }, () => openStatus(`${server!.wsUrl}/office`)))
  expect(statuses.every((status) => status === 101)).toBe(true)
  expect(await openStatus(`${server.wsUrl}/office`)).toBe(429)
}, 120_000)

it('MAX_CONNECTIONS_PER_ADDRESS=0 turns the cap off', async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'tandem-limits-'))
  server = await spawnServer(['--port', '0', '--data-dir', dataDir, '--max-connections-per-address', '0'])
  const statuses = await Promise.all(Array.from({ length: 120 }, () => openStatus(`${server!.wsUrl}/school`)))
  expect(statuses.filter((status) => status !== 101)).toEqual([])
}, 120_000)
