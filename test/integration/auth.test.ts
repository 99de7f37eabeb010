import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as Y from 'yjs'
import { mintToken } from '../../server/auth/tokens.js'
import type { Role } from '../../shared/roles.js'
import { rawClient, readAck, stockProvider, synced, updateFrame } from '../helpers/clients.js'
import { startServer, type RunningServer } from '../helpers/test-server.js'
import { waitFor } from '../helpers/wait-for.js'

const SECRET = 'test-secret-that-is-long-enough-for-hs256!'
const token = (doc: string, role: Role, extra: { ttlSeconds?: number; name?: string } = {}) =>
  mintToken({ secret: SECRET, doc, role, ...extra })

function edit(doc: Y.Doc, text: string): Uint8Array {
  let captured: Uint8Array | null = null
  const capture = (u: Uint8Array) => (captured = u)
  doc.on('update', capture)
  doc.getText('t').insert(0, text)
  doc.off('update', capture)
  return captured!
}

/** Reads y-websocket's permission-denied message: [2, 0, reason]. */
function readDenial(frame: Uint8Array): string | null {
  const decoder = decoding.createDecoder(frame)
  if (decoding.readVarUint(decoder) !== 2 || decoding.readVarUint(decoder) !== 0) return null
  return decoding.readVarString(decoder)
}

describe('authentication and view-only enforcement (AUTH_SECRET set)', () => {
  let running: RunningServer
  beforeEach(async () => {
    running = await startServer({ authSecret: SECRET })
    // An editor writes the document every test reads.
    const editor = await rawClient(`${running.wsUrl}/guarded?acks=1&token=${await token('guarded', 'edit')}`)
    editor.send(updateFrame(edit(new Y.Doc(), 'original')))
    await waitFor(() => editor.frames.some((f) => readAck(f) === 1))
    editor.ws.close()
  })
  afterEach(async () => {
    await running.close()
  })

  async function storedText(): Promise<string> {
    const doc = new Y.Doc()
    for (const entry of (await running.server.store.load('guarded' as never)).entries) Y.applyUpdate(doc, entry.update)
    return doc.getText('t').toString()
  }

  it.each([
    ['no token', async () => '', 4401, /^unauthorized: a token is required/],
    ['a garbage token', async () => 'not.a.jwt', 4401, /^unauthorized: token is invalid/],
    [
      'a token signed with another secret',
      async () => mintToken({ secret: 'y'.repeat(40), doc: 'guarded', role: 'edit' }),
      4401,
      /^unauthorized/,
    ],
    ['a token for another document', () => token('other-doc', 'edit'), 4403, /^forbidden: token does not grant access/],
  ])('refuses a WebSocket with %s', async (_name, makeToken, code, reason) => {
    const value = await makeToken()
    const client = await rawClient(`${running.wsUrl}/guarded${value ? `?token=${value}` : ''}`)
    const closed = await client.closed
    expect(closed.code).toBe(code)
    expect(closed.reason).toMatch(reason)
  })

  it('refuses an expired token with 4401 token-expired', async () => {
    const expired = await mintToken({ secret: SECRET, doc: 'guarded', role: 'edit', ttlSeconds: 1 })
    await new Promise((resolve) => setTimeout(resolve, 1100))
    const client = await rawClient(`${running.wsUrl}/guarded?token=${expired}`)
    expect(await client.closed).toEqual({ code: 4401, reason: 'token-expired: token expired; get a new one' })
  })

  it('ends a connection when its token expires, and a refreshed token keeps it open', async () => {
    const shortLived = await mintToken({ secret: SECRET, doc: 'guarded', role: 'edit', ttlSeconds: 2 })
    const refreshed = await rawClient(`${running.wsUrl}/guarded?token=${shortLived}`)
    const expiring = await rawClient(`${running.wsUrl}/guarded?token=${shortLived}`)
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, 101)
    encoding.writeVarString(encoder, await token('guarded', 'edit', { ttlSeconds: 60 }))
    refreshed.send(encoding.toUint8Array(encoder))
    const closed = await expiring.closed
    expect(closed.code).toBe(4401)
    expect(closed.reason).toMatch(/^token-expired/)
    expect(refreshed.ws.readyState).toBe(WebSocket.OPEN)
    refreshed.ws.close()
  })

  it('matches document patterns', async () => {
    const teamToken = await token('gua*', 'view')
    const client = await rawClient(`${running.wsUrl}/guarded?token=${teamToken}`)
    await waitFor(() => client.frames.length > 0, { description: 'server SyncStep1' })
    expect(client.ws.readyState).toBe(WebSocket.OPEN)
    client.ws.close()
  })

  describe('a view token', () => {
    let viewer: Awaited<ReturnType<typeof rawClient>>
    beforeEach(async () => {
      viewer = await rawClient(`${running.wsUrl}/guarded?acks=1&token=${await token('guarded', 'view')}`)
      await waitFor(() => viewer.frames.length > 0)
    })
    afterEach(() => viewer.ws.close())

    it.each([
      ['an Update', (u: Uint8Array) => updateFrame(u, 2)],
      ['a SyncStep2', (u: Uint8Array) => updateFrame(u, 1)],
    ])('R-READONLY: cannot change the document with %s; the refusal is reported', async (_name, frameOf) => {
      const stateVector = Y.encodeStateVector(await loadDoc(running))
      viewer.send(frameOf(edit(new Y.Doc(), 'vandalism ')))
      const denial = await waitFor(() => viewer.frames.map(readDenial).find((d) => d !== null))
      expect(denial).toMatch(/^read-only: this link is view-only/)
      expect(Y.encodeStateVector(await loadDoc(running))).toEqual(stateVector)
      expect(await storedText()).toBe('original')
      expect(viewer.frames.map(readAck).filter((a) => a !== null)).toEqual([])
    })

    it('R-READONLY: cannot smuggle an update inside a SyncStep2 that repeats known content', async () => {
      const known = await loadDoc(running)
      const crafted = new Y.Doc()
      Y.applyUpdate(crafted, Y.encodeStateAsUpdate(known))
      crafted.getText('t').insert(0, 'smuggled ')
      viewer.send(updateFrame(Y.encodeStateAsUpdate(crafted), 1))
      await waitFor(() => viewer.frames.some((f) => readDenial(f) !== null))
      expect(await storedText()).toBe('original')
    })

    it('may send a SyncStep2 that adds nothing (what honest clients send on connect), and reads the document', async () => {
      const reader = new Y.Doc()
      Y.applyUpdate(reader, Y.encodeStateAsUpdate(await loadDoc(running)))
      viewer.send(updateFrame(Y.encodeStateAsUpdate(reader), 1))
      await waitFor(() => viewer.frames.some((f) => readAck(f) === 1), { description: 'no-op acknowledged' })
      expect(viewer.frames.some((f) => readDenial(f) !== null)).toBe(false)
    })

    it('R-READONLY: cannot rename, delete, create or share through REST, but can read', async () => {
      const viewToken = await token('guarded', 'view')
      const call = (path: string, method: string, body?: unknown) =>
        fetch(`${running.httpUrl}${path}`, {
          method,
          headers: { authorization: `Bearer ${viewToken}`, 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        })
      expect((await call('/api/docs/guarded', 'PATCH', { title: 'x' })).status).toBe(403)
      expect((await call('/api/docs/guarded', 'DELETE')).status).toBe(403)
      expect((await call('/api/docs', 'POST', { id: 'guarded2' })).status).toBe(403)
      expect((await call('/api/docs/guarded/share', 'POST', { role: 'edit' })).status).toBe(403)
      const content = await call('/api/docs/guarded/content?format=json', 'GET')
      expect(content.status).toBe(200)
      expect(await (await call('/api/docs/guarded/access', 'GET')).json()).toMatchObject({ role: 'view' })
    })
  })

  it('stamps the token name on presence and stops a client speaking for another client id', async () => {
    const alice = stockProvider(running.wsUrl, 'guarded', {
      params: { token: await token('guarded', 'edit', { name: 'Alice' }) },
    })
    const observer = stockProvider(running.wsUrl, 'guarded', { params: { token: await token('guarded', 'view') } })
    await Promise.all([synced(alice.provider), synced(observer.provider)])
    alice.provider.awareness.setLocalStateField('user', { name: 'The CEO', color: '#f00' })
    await waitFor(() => observer.provider.awareness.getStates().get(alice.doc.clientID)?.user?.name === 'Alice')
    expect(observer.provider.awareness.getStates().get(alice.doc.clientID)?.user?.color).toBe('#f00')

    // A forged awareness entry for the observer's own client id must not reach anyone.
    const forger = await rawClient(
      `${running.wsUrl}/guarded?token=${await token('guarded', 'edit', { name: 'Mallory' })}`,
    )
    const fake = new awarenessProtocol.Awareness(new Y.Doc())
    fake.setLocalState({ user: { name: 'Mallory' } })
    const own = awarenessProtocol.encodeAwarenessUpdate(fake, [fake.clientID])
    const victim = new awarenessProtocol.Awareness(new Y.Doc())
    victim.clientID = alice.doc.clientID
    victim.setLocalState({ user: { name: 'Alice is leaving' } })
    ;(victim.meta.get(alice.doc.clientID) as { clock: number }).clock = 1_000
    const forged = awarenessProtocol.encodeAwarenessUpdate(victim, [alice.doc.clientID])
    for (const update of [own, forged]) {
      const encoder = encoding.createEncoder()
      encoding.writeVarUint(encoder, 1)
      encoding.writeVarUint8Array(encoder, update)
      forger.send(encoding.toUint8Array(encoder))
    }
    await waitFor(() => observer.provider.awareness.getStates().get(fake.clientID)?.user?.name === 'Mallory')
    expect(observer.provider.awareness.getStates().get(alice.doc.clientID)?.user?.name).toBe('Alice')
    forger.ws.close()
    alice.destroy()
    observer.destroy()
  })

  it('refuses REST without a token and lists only the documents a token covers', async () => {
    expect((await fetch(`${running.httpUrl}/api/docs`)).status).toBe(401)
    const all = await token('*', 'edit')
    await fetch(`${running.httpUrl}/api/docs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${all}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'elsewhere' }),
    })
    const scoped = await fetch(`${running.httpUrl}/api/docs`, {
      headers: { authorization: `Bearer ${await token('guarded', 'view')}` },
    })
    expect(((await scoped.json()) as { documents: { id: string }[] }).documents.map((d) => d.id)).toEqual(['guarded'])
  })

  it('lets an editor mint view links that work and cannot write', async () => {
    const response = await fetch(`${running.httpUrl}/api/docs/guarded/share`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await token('guarded', 'edit')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'view' }),
    })
    const { token: shared } = (await response.json()) as { token: string }
    const access = await fetch(`${running.httpUrl}/api/docs/guarded/access?token=${shared}`)
    expect(await access.json()).toMatchObject({ role: 'view', authRequired: true })
  })
})

async function loadDoc(running: RunningServer): Promise<Y.Doc> {
  return running.server.registry.withRoom('guarded' as never, (room) => {
    const copy = new Y.Doc()
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(room.doc))
    return copy
  })
}
