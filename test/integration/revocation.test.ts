import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import * as encoding from 'lib0/encoding'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { revokeToken, revokeUser } from '../../server/auth/revoke.js'
import { mintToken } from '../../server/auth/tokens.js'
import type { Role } from '../../shared/roles.js'
import { openStream } from '../helpers/sse-stream.js'
import { createTestDatabase, type TestDatabase } from '../cluster/helpers/postgres-database.js'
import { rawClient } from '../helpers/clients.js'
import { startServer, type RunningServer } from '../helpers/test-server.js'
import { waitFor } from '../helpers/wait-for.js'

const SECRET = 'revocation-secret-long-enough-for-hs256!'
const POLL_MS = 100
const REVOKED = 'token-revoked: access to this document was revoked; ask for a new link'
const SID = 'revocation-session-000001'

const token = (options: { doc?: string; role?: Role; userId?: string } = {}) =>
  mintToken({ secret: SECRET, doc: options.doc ?? 'guarded', role: options.role ?? 'edit', userId: options.userId })

/** The next whole second: JWT `iat` has seconds, so a user revocation covers tokens of its own second. */
async function nextSecond(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 20))
}

async function signalClient(running: RunningServer, tokenValue: string) {
  const ws = new WebSocket(`ws://127.0.0.1:${running.port}/signal?token=${tokenValue}`)
  const messages: Record<string, unknown>[] = []
  ws.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString()) as Record<string, unknown>))
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  )
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  return { ws, messages, closed }
}

describe('token revocation (AUTH_SECRET set, SQLite storage)', () => {
  let dataDir: string
  let running: RunningServer
  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'tandem-revocation-'))
    running = await startServer({ authSecret: SECRET, dataDir, limits: { revocationPollMs: POLL_MS } })
  })
  afterEach(async () => {
    await running.close()
    await rm(dataDir, { recursive: true, force: true })
  })

  /** Revokes through a handle of its own on the data directory, as the CLI or a backend would. */
  async function revoke(value: string): Promise<void> {
    await revokeToken({ dataDir, token: value, secret: SECRET })
    // The server learns of it at its next poll; a fresh token acts as the probe that it has.
    await waitFor(async () => (await fetch(accessUrl(value))).status === 401, { description: 'revocation polled' })
  }
  const accessUrl = (value: string) => `${running.httpUrl}/api/docs/guarded/access?token=${value}`

  it('refuses a revoked token on a new WebSocket with 4401 and a reason that says what to do', async () => {
    const revoked = await token()
    await revoke(revoked)
    const client = await rawClient(`${running.wsUrl}/guarded?token=${revoked}`)
    expect(await client.closed).toEqual({ code: 4401, reason: REVOKED })
    const other = await rawClient(`${running.wsUrl}/guarded?token=${await token()}`)
    await waitFor(() => other.frames.length > 0, { description: 'another token still works' })
    other.ws.close()
  })

  it('refuses a revoked token on REST with 401 token-revoked', async () => {
    const revoked = await token()
    await revoke(revoked)
    const response = await fetch(`${running.httpUrl}/api/docs/guarded/content`, {
      headers: { authorization: `Bearer ${revoked}` },
    })
    expect(response.status).toBe(401)
    expect(await response.json()).toEqual({
      error: 'token-revoked',
      message: 'access to this document was revoked; ask for a new link',
    })
  })

  it('refuses a revoked token on SSE, POST and long-poll with 401 and the close code', async () => {
    const revoked = await token()
    await revoke(revoked)
    const base = `${running.httpUrl}/collab/guarded`
    const responses = [
      await fetch(`${base}/events?sid=${SID}&token=${revoked}`),
      await fetch(`${base}/poll?sid=${SID}`, { headers: { authorization: `Bearer ${revoked}` } }),
      await fetch(`${base}/messages?sid=${SID}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${revoked}`, 'content-type': 'application/octet-stream' },
        body: new Uint8Array(0),
      }),
    ]
    for (const response of responses) {
      expect(response.status).toBe(401)
      expect(await response.json()).toMatchObject({ error: 'token-revoked', closeCode: 4401, reason: REVOKED })
    }
  })

  it('refuses a revoked token at signalling', async () => {
    const revoked = await token()
    await revoke(revoked)
    const client = await signalClient(running, revoked)
    expect(await client.closed).toEqual({ code: 4401, reason: REVOKED })
  })

  it('closes a live WebSocket within the poll interval of the revocation, and only that one', async () => {
    const revoked = await token()
    const victim = await rawClient(`${running.wsUrl}/guarded?token=${revoked}`)
    const bystander = await rawClient(`${running.wsUrl}/guarded?token=${await token()}`)
    await waitFor(() => victim.frames.length > 0 && bystander.frames.length > 0, { description: 'both joined' })
    await revokeToken({ dataDir, token: revoked, secret: SECRET })
    // Counted from when the revocation is stored (revokeToken opens the storage and commits first,
    // which alone took over two seconds on a loaded CI machine).
    const revokedAt = Date.now()
    expect(await victim.closed).toEqual({ code: 4401, reason: REVOKED })
    // One poll interval, plus generous slack for a loaded two-core machine.
    expect(Date.now() - revokedAt).toBeLessThan(POLL_MS + 2_000)
    expect(bystander.ws.readyState).toBe(WebSocket.OPEN)
    bystander.ws.close()
  })

  it('ends a live SSE session and a live signalling connection holding the revoked token', async () => {
    const revoked = await token()
    const stream = await openStream(`${running.httpUrl}/collab/guarded/events?sid=${SID}&token=${revoked}`)
    const signal = await signalClient(running, revoked)
    await waitFor(() => stream.events.some((e) => e.event === 'frames'), { description: 'SSE joined' })
    await waitFor(() => signal.messages.some((m) => m.type === 'tandem-config'), {
      description: 'signalling authorised',
    })
    await revokeToken({ dataDir, token: revoked, secret: SECRET })
    const closeEvent = await waitFor(() => stream.events.find((e) => e.event === 'close'), {
      description: 'SSE close event',
    })
    expect(JSON.parse(closeEvent.data)).toEqual({ code: 4401, reason: REVOKED })
    expect(await signal.closed).toEqual({ code: 4401, reason: REVOKED })
    stream.close()
  })

  it('closes a connection that refreshes to a revoked token', async () => {
    const revoked = await token()
    await revoke(revoked)
    const client = await rawClient(`${running.wsUrl}/guarded?token=${await token()}`)
    await waitFor(() => client.frames.length > 0)
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, 101) // RefreshToken
    encoding.writeVarString(encoder, revoked)
    client.send(encoding.toUint8Array(encoder))
    expect(await client.closed).toEqual({ code: 4401, reason: REVOKED })
  })

  it('revokes a bare jti, and an expired token can be revoked too', async () => {
    const live = await token()
    const jti = JSON.parse(Buffer.from(live.split('.')[1]!, 'base64url').toString()) as { jti: string }
    await revokeToken({ dataDir, token: jti.jti })
    await waitFor(async () => (await fetch(accessUrl(live))).status === 401)
    const expired = await mintToken({ secret: SECRET, doc: 'guarded', role: 'edit', ttlSeconds: 1 })
    await new Promise((resolve) => setTimeout(resolve, 1100))
    const revocation = await revokeToken({ dataDir, token: expired, secret: SECRET })
    expect(revocation.expiresAt).toBeLessThan(Date.now())
    await expect(
      revokeToken({
        dataDir,
        token: await mintToken({ secret: 'z'.repeat(40), doc: 'a', role: 'edit' }),
        secret: SECRET,
      }),
    ).rejects.toThrow(/not signed with this AUTH_SECRET/)
  })

  it("revokes every token of a user issued until then; the user's later tokens and other users work", async () => {
    const older = await token({ userId: 'ann' })
    const live = await rawClient(`${running.wsUrl}/guarded?token=${older}`)
    const others = await token({ userId: 'bob' })
    await waitFor(() => live.frames.length > 0)
    await revokeUser({ dataDir, userId: 'ann' })
    expect(await live.closed).toEqual({ code: 4401, reason: REVOKED })
    expect((await fetch(accessUrl(older))).status).toBe(401)
    expect((await fetch(accessUrl(others))).status).toBe(200)
    await nextSecond()
    const newer = await token({ userId: 'ann' })
    expect((await fetch(accessUrl(newer))).status).toBe(200)
    const client = await rawClient(`${running.wsUrl}/guarded?token=${newer}`)
    await waitFor(() => client.frames.length > 0, { description: 'a token minted after the revocation works' })
    client.ws.close()
  })

  it('refuses revoked tokens from its first request after a restart', async () => {
    const revoked = await token()
    await revoke(revoked)
    await running.close()
    running = await startServer({ authSecret: SECRET, dataDir, limits: { revocationPollMs: 60_000 } })
    expect((await fetch(accessUrl(revoked))).status).toBe(401)
  })
})

describe('token revocation across instances (PostgreSQL)', () => {
  let database: TestDatabase
  let instances: RunningServer[]
  beforeEach(async () => {
    database = await createTestDatabase()
    const options = { authSecret: SECRET, databaseUrl: database.url, limits: { revocationPollMs: POLL_MS } }
    // `store: undefined` overrides the helper's memory store, so each instance opens DATABASE_URL.
    instances = [
      await startServer({ ...options, store: undefined }),
      await startServer({ ...options, store: undefined }),
    ]
  })
  afterEach(async () => {
    for (const instance of instances) await instance.close()
    await database.drop()
  })

  it('closes connections holding the revoked token on every instance', async () => {
    const revoked = await token()
    const clients = await Promise.all(instances.map((i) => rawClient(`${i.wsUrl}/guarded?token=${revoked}`)))
    await waitFor(() => clients.every((c) => c.frames.length > 0), { description: 'both instances joined' })
    await revokeToken({ databaseUrl: database.url, token: revoked, secret: SECRET })
    for (const client of clients) expect(await client.closed).toEqual({ code: 4401, reason: REVOKED })
    for (const instance of instances) {
      const refused = await fetch(`${instance.httpUrl}/api/docs/guarded/access?token=${revoked}`)
      expect(refused.status).toBe(401)
    }
  })
})
