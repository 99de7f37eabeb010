import * as decoding from 'lib0/decoding'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { mintToken } from '../../server/auth/tokens.js'
import type { SseEvent } from '../../client/transport/sse-parser.js'
import { decodeFrames, decodeSseFrames, encodeFrames } from '../../shared/protocol/http-framing.js'
import { openStream } from '../helpers/sse-stream.js'
import { stockProvider, synced, updateFrame } from '../helpers/clients.js'
import { errorLogs, startServer, type RunningServer } from '../helpers/test-server.js'
import { waitFor } from '../helpers/wait-for.js'
import { fallbackClient, type FallbackClient } from '../nginx/fallback-clients.js'

const SID = 'test-session-0000000001'

function frames(...list: Uint8Array[]): Uint8Array {
  return encodeFrames(list)
}

function decodeBody(body: Uint8Array): Uint8Array[] {
  return decodeFrames(body)!
}

function syncStep1(doc: Y.Doc): Uint8Array {
  return updateFrame(Y.encodeStateVector(doc), 0)
}

function textUpdate(text: string): { doc: Y.Doc; update: Uint8Array } {
  const doc = new Y.Doc()
  let update: Uint8Array = new Uint8Array()
  doc.on('update', (u: Uint8Array) => (update = u))
  doc.getText('t').insert(0, text)
  return { doc, update }
}

function framesOf(events: SseEvent[]): Uint8Array[] {
  return events.filter((e) => e.event === 'frames').flatMap((e) => decodeSseFrames(e.data)!)
}

describe('HTTP fallback bindings', () => {
  let running: RunningServer
  const cleanups: (() => void)[] = []

  beforeEach(async () => {
    running = await startServer()
  })
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) cleanup()
    await running.close()
  })

  const url = (docId: string, path: string, query = `sid=${SID}`) =>
    `${running.httpUrl}/collab/${docId}/${path}?${query}`
  const post = (docId: string, body: Uint8Array, sid = SID, type = 'application/octet-stream') =>
    fetch(url(docId, 'messages', `sid=${sid}`), { method: 'POST', headers: { 'Content-Type': type }, body })

  it('opens an SSE stream with streaming headers, an immediate hello, and the room SyncStep1', async () => {
    const stream = await openStream(url('sse-hello', 'events'))
    cleanups.push(stream.close)
    expect(stream.response.status).toBe(200)
    expect(stream.response.headers.get('content-type')).toMatch(/^text\/event-stream/)
    expect(stream.response.headers.get('x-accel-buffering')).toBe('no')
    expect(stream.response.headers.get('content-encoding')).toBeNull()
    expect(stream.response.headers.get('cache-control')).toContain('no-transform')
    await waitFor(() => framesOf(stream.events).length > 0, { description: 'first frames event' })
    expect(stream.events[0]!.event).toBe('hello')
    const hello = JSON.parse(stream.events[0]!.data) as { epoch: string; heartbeatMs: number }
    expect(hello.heartbeatMs).toBe(15_000)
    const first = stream.events.find((e) => e.event === 'frames')!
    expect(first.id).toBe(`${hello.epoch}:1`)
    expect(Array.from(framesOf(stream.events)[0]!.subarray(0, 2))).toEqual([0, 0]) // SyncStep1
  })

  it('answers a POST only after its update is committed, and delivers it to WebSocket and SSE peers', async () => {
    const ws = stockProvider(running.wsUrl, 'mixed')
    cleanups.push(ws.destroy)
    await synced(ws.provider)
    const other = await openStream(url('mixed', 'events', 'sid=other-session-00000001'))
    cleanups.push(other.close)
    await waitFor(() => framesOf(other.events).length > 0)

    const { update } = textUpdate('hello')
    const response = await post('mixed', frames(updateFrame(update)))
    expect(response.status).toBe(200)
    const stored = await running.server.store.load('mixed' as never)
    const replica = new Y.Doc()
    for (const entry of stored.entries) Y.applyUpdate(replica, entry.update)
    expect(replica.getText('t').toString()).toBe('hello') // durable before the 200
    await waitFor(() => ws.text.toString() === 'hello', { description: 'WebSocket peer sees the POST' })
    await waitFor(() => framesOf(other.events).some((f) => f[0] === 0 && f[1] === 2), { description: 'SSE peer' })
  })

  it('returns SyncStep2 in the POST response to a SyncStep1', async () => {
    const ws = stockProvider(running.wsUrl, 'step2')
    cleanups.push(ws.destroy)
    await synced(ws.provider)
    ws.text.insert(0, 'abc')
    await waitFor(async () => (await running.server.store.load('step2' as never)).entries.length > 0)
    const response = await post('step2', frames(syncStep1(new Y.Doc())))
    expect(response.status).toBe(200)
    const replies = decodeBody(new Uint8Array(await response.arrayBuffer()))
    const step2 = replies.find((f) => f[0] === 0 && f[1] === 1)!
    const doc = new Y.Doc()
    const decoder = decoding.createDecoder(step2)
    decoding.readVarUint(decoder)
    decoding.readVarUint(decoder)
    Y.applyUpdate(doc, decoding.readVarUint8Array(decoder))
    expect(doc.getText('t').toString()).toBe('abc')
  })

  it('long-polls: the first poll answers at once with a cursor, the next is held until an edit arrives', async () => {
    const first = await fetch(url('lp', 'poll'))
    expect(first.status).toBe(200)
    expect(first.headers.get('content-type')).toBe('application/octet-stream')
    const cursor = first.headers.get('tandem-cursor')!
    expect(cursor).toMatch(/^[a-f0-9]+:1$/)
    expect(decodeBody(new Uint8Array(await first.arrayBuffer()))[0]![1]).toBe(0)

    const held = fetch(url('lp', 'poll', `sid=${SID}&cursor=${cursor}`))
    const ws = stockProvider(running.wsUrl, 'lp')
    cleanups.push(ws.destroy)
    await synced(ws.provider)
    ws.text.insert(0, 'x')
    const second = await held
    expect(second.status).toBe(200)
    const got = decodeBody(new Uint8Array(await second.arrayBuffer()))
    expect(got.some((f) => f[0] === 0 && f[1] === 2)).toBe(true)
    expect(second.headers.get('tandem-cursor')).not.toBe(cursor)
  })

  it('resumes a dropped stream from Last-Event-ID with exactly the missed frames', async () => {
    const ws = stockProvider(running.wsUrl, 'resume')
    cleanups.push(ws.destroy)
    await synced(ws.provider)
    const stream = await openStream(url('resume', 'events'))
    await waitFor(() => stream.events.some((e) => e.event === 'frames'))
    const lastId = stream.events.filter((e) => e.event === 'frames').at(-1)!.id!
    stream.close()
    await stream.reading
    ws.text.insert(0, 'missed')
    await waitFor(() => running.logs.some((l) => l.msg === 'http session opened'))
    const resumed = await openStream(url('resume', 'events'), { 'Last-Event-ID': lastId })
    cleanups.push(resumed.close)
    await waitFor(() => framesOf(resumed.events).length > 0, { description: 'replayed frames' })
    const hello = JSON.parse(resumed.events.find((e) => e.event === 'hello')!.data) as { resumed: boolean }
    expect(hello.resumed).toBe(true)
    expect(resumed.events.some((e) => e.event === 'resync')).toBe(false)
    const doc = new Y.Doc()
    for (const frame of framesOf(resumed.events)) {
      const decoder = decoding.createDecoder(frame)
      if (decoding.readVarUint(decoder) !== 0 || decoding.readVarUint(decoder) !== 2) continue
      Y.applyUpdate(doc, decoding.readVarUint8Array(decoder))
    }
    expect(doc.getText('t').toString()).toBe('missed')
  })

  it('answers a Last-Event-ID it cannot replay with a resync event and a fresh SyncStep1', async () => {
    const stream = await openStream(url('resync', 'events'), { 'Last-Event-ID': 'abcdef:42' })
    cleanups.push(stream.close)
    await waitFor(() => framesOf(stream.events).length > 0)
    expect(stream.events.map((e) => e.event).slice(0, 3)).toEqual(['hello', 'resync', 'frames'])
  })

  it('refuses bad input with clear 4xx answers and keeps serving', async () => {
    const { update } = textUpdate('x')
    expect((await post('bad', frames(updateFrame(update)), SID, 'text/plain')).status).toBe(415)
    const garbage = await post('bad', new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0x01]))
    expect(garbage.status).toBe(400)
    expect(((await garbage.json()) as { error: string }).error).toBe('malformed-frame')
    const tooBig = await post('bad', new Uint8Array(17 * 1024 * 1024 + 1))
    expect(tooBig.status).toBe(413)
    expect((await post('bad', frames(updateFrame(update)), 'short')).status).toBe(400)
    expect((await fetch(`${running.httpUrl}/collab/bad%20id/events?sid=${SID}`)).status).toBe(400)
    // A path segment that is not valid percent-encoding is a bad document id, not a server error.
    const undecodable = await fetch(`${running.httpUrl}/collab/bad%E0%A4%A/poll?sid=${SID}`)
    expect(undecodable.status).toBe(400)
    expect(((await undecodable.json()) as { error: string }).error).toBe('invalid-doc-id')
    // Methods a transport endpoint does not serve fall through to the JSON 404.
    expect((await fetch(url('bad', 'poll', `sid=${SID}`), { method: 'PUT' })).status).toBe(404)
    expect((await fetch(url('bad', 'events', `sid=${SID}`), { method: 'DELETE' })).status).toBe(404)
    const expired = await fetch(url('bad', 'poll', `sid=${SID}&cursor=abc:5`))
    expect(expired.status).toBe(409)
    expect(((await expired.json()) as { error: string }).error).toBe('session-expired')
    // A frame the room rejects (undecodable update) closes the session with 4400, like a WebSocket.
    const hostile = await post('bad', frames(updateFrame(new Uint8Array([1, 2, 3, 4, 5]))), 'hostile-session-000001')
    expect(hostile.status).toBe(400)
    expect(((await hostile.json()) as { closeCode: number }).closeCode).toBe(4400)

    // A flood of concurrent POSTs on one session: one at a time is served, the rest get 409/429.
    const flood = await Promise.all(
      Array.from({ length: 150 }, () => post('bad', frames(updateFrame(update)), 'flood-session-00000001')),
    )
    const statuses = new Set(flood.map((r) => r.status))
    expect(flood.some((r) => r.status === 200)).toBe(true)
    expect([...statuses].every((s) => s === 200 || s === 409 || s === 429)).toBe(true)
    expect((await fetch(`${running.httpUrl}/healthz`)).status).toBe(200)
    expect(errorLogs(running.logs)).toEqual([])
  })

  it('caps sessions per client address like WebSocket connections (429 beyond)', async () => {
    await running.close()
    running = await startServer({ limits: { maxConnectionsPerAddress: 50 } })
    const query = frames(new Uint8Array([3])) // QueryAwareness: opens a session, changes nothing
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) => post('capped', query, `capped-session-${String(i).padStart(8, '0')}`)),
    )
    const statuses = answers.map((r) => r.status)
    expect(statuses.filter((s) => s === 200).length).toBe(50) // maxConnectionsPerAddress below
    expect(statuses.filter((s) => s === 429).length).toBe(10)
    const refused = answers.find((r) => r.status === 429)!
    expect(((await refused.json()) as { error: string }).error).toBe('rate-limited')
  })

  it('tells stream and poll clients why their session ended: deleted document (4404), server restart (1012)', async () => {
    await fetch(`${running.httpUrl}/api/docs`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ id: 'doomed' }),
    })
    const stream = await openStream(url('doomed', 'events'))
    await waitFor(() => framesOf(stream.events).length > 0)
    expect((await fetch(`${running.httpUrl}/api/docs/doomed`, { method: 'DELETE' })).status).toBe(204)
    await waitFor(() => stream.events.some((e) => e.event === 'close'), { description: 'close event' })
    const closed = JSON.parse(stream.events.find((e) => e.event === 'close')!.data) as { code: number; reason: string }
    expect(closed.code).toBe(4404)
    expect(closed.reason).toMatch(/^document-deleted/)
    await stream.reading // the server ended the response
    const late = await post('doomed', frames(new Uint8Array([3])))
    expect(late.status).toBe(410)
    expect(((await late.json()) as { closeCode: number }).closeCode).toBe(4404)

    const first = await fetch(url('restart', 'poll', 'sid=restart-session-00000001'))
    const cursor = first.headers.get('tandem-cursor')!
    await first.arrayBuffer()
    const held = fetch(url('restart', 'poll', `sid=restart-session-00000001&cursor=${cursor}`))
    await waitFor(() => running.logs.some((l) => l.msg === 'long-poll held'), { description: 'poll held' })
    const closing = running.close()
    const answer = await held
    expect(answer.status).toBe(410)
    expect(((await answer.json()) as { closeCode: number }).closeCode).toBe(1012)
    await closing
  })

  it('serves cross-origin embedders: preflight for POST and Last-Event-ID, readable cursor header', async () => {
    const origin = 'https://app.example.com'
    const preflight = await fetch(url('cors', 'messages'), {
      method: 'OPTIONS',
      headers: {
        Origin: origin,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type, authorization, last-event-id',
      },
    })
    expect(preflight.status).toBe(204)
    const allowed = (preflight.headers.get('access-control-allow-headers') ?? '').toLowerCase()
    for (const header of ['content-type', 'authorization', 'last-event-id']) expect(allowed).toContain(header)
    expect(preflight.headers.get('access-control-allow-methods')).toContain('DELETE')
    const poll = await fetch(url('cors', 'poll'), { headers: { Origin: origin } })
    expect(poll.status).toBe(200)
    expect(poll.headers.get('access-control-allow-origin')).toBeTruthy()
    expect(poll.headers.get('access-control-expose-headers')).toContain('Tandem-Cursor')
  })

  it('never logs query strings (tokens travel there for EventSource)', async () => {
    const stream = await openStream(url('logs', 'events', `sid=${SID}&token=secret-token`))
    await waitFor(() => stream.events.length > 0)
    stream.close()
    await post('logs', new Uint8Array([1]), SID, 'text/plain')
    await waitFor(() => running.logs.some((l) => l.msg === 'http transport request refused'))
    expect(JSON.stringify(running.logs)).not.toContain('secret-token')
  })
})

describe('HTTP fallback with AUTH_SECRET', () => {
  const SECRET = 'a-test-secret-that-is-long-enough-000000'
  let running: RunningServer
  const clients: FallbackClient[] = []
  beforeEach(async () => {
    running = await startServer({ authSecret: SECRET })
  })
  afterEach(async () => {
    for (const client of clients.splice(0)) client.destroy()
    await running.close()
  })

  it('R-READONLY: needs a token on every request, accepts Bearer and ?token=, and never lets a view token write', async () => {
    const base = `${running.httpUrl}/collab/guarded`
    const edit = await mintToken({ secret: SECRET, doc: 'guarded', role: 'edit' })
    const view = await mintToken({ secret: SECRET, doc: 'guarded', role: 'view' })
    const noToken = await fetch(`${base}/events?sid=${SID}`)
    expect(noToken.status).toBe(401)
    expect(((await noToken.json()) as { closeCode: number }).closeCode).toBe(4401)
    const { update } = textUpdate('view-only write')
    const body = frames(updateFrame(update))
    const headers = (token: string) => ({
      'Content-Type': 'application/octet-stream',
      Authorization: `Bearer ${token}`,
    })
    const viewPost = await fetch(`${base}/messages?sid=view-session-000000001`, {
      method: 'POST',
      headers: headers(view),
      body,
    })
    expect(viewPost.status).toBe(200)
    const denial = decodeBody(new Uint8Array(await viewPost.arrayBuffer()))
    expect(denial.some((f) => f[0] === 2)).toBe(true) // y-websocket's permission-denied
    const stored = await running.server.store.load('guarded' as never)
    expect(stored.entries).toEqual([])
    const stream = await openStream(`${base}/events?sid=${SID}&token=${edit}`)
    stream.close()
    expect(stream.response.status).toBe(200)
    const editPost = await fetch(`${base}/messages?sid=edit-session-000000001`, {
      method: 'POST',
      headers: headers(edit),
      body,
    })
    expect(editPost.status).toBe(200)
    // ?token= is for GET only (EventSource cannot set headers): a POST must use the header.
    const queryPost = await fetch(`${base}/messages?sid=edit-session-000000002&token=${edit}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/octet-stream' },
      body,
    })
    expect(queryPost.status).toBe(401)
    expect(JSON.stringify(running.logs)).not.toContain(edit)
  })

  it('lets the fallback socket sync with the token the provider puts in the URL', async () => {
    const edit = await mintToken({ secret: SECRET, doc: 'guarded-sse', role: 'edit' })
    const ws = stockProvider(running.wsUrl, 'guarded-sse', { params: { token: edit } })
    const sse = fallbackClient(running.httpUrl, 'guarded-sse', { ladder: ['sse'] })
    clients.push(sse)
    sse.provider.params = { ...sse.provider.params, token: edit }
    sse.provider.disconnect()
    sse.provider.connect()
    try {
      await Promise.all([synced(ws.provider), synced(sse.provider)])
      sse.text.insert(0, 'through sse')
      await waitFor(() => ws.text.toString() === 'through sse', { description: 'WebSocket client sees the edit' })
    } finally {
      ws.destroy()
    }
  })
})

describe('fallback socket classes against the real server', () => {
  let running: RunningServer
  const clients: FallbackClient[] = []

  beforeEach(async () => {
    running = await startServer()
  })
  afterEach(async () => {
    for (const client of clients.splice(0)) client.destroy()
    await running.close()
  })

  const client = (docId: string, ladder: Parameters<typeof fallbackClient>[2]) => {
    const c = fallbackClient(running.httpUrl, docId, ladder)
    clients.push(c)
    return c
  }

  for (const kind of ['sse', 'long-poll'] as const) {
    it(`syncs both ways with a WebSocket client over ${kind}, and counts its edits as acknowledged`, async () => {
      const ws = stockProvider(running.wsUrl, `forced-${kind}`)
      const http = client(`forced-${kind}`, { ladder: [kind] })
      try {
        await Promise.all([synced(ws.provider), synced(http.provider)])
        expect(http.socket()!.transport).toBe(kind)
        for (let i = 0; i < 10; i++) {
          ws.text.insert(0, 'w')
          http.text.insert(http.text.length, 'h')
        }
        await waitFor(() => ws.text.length === 20 && http.text.length === 20, { description: 'converged' })
        expect(ws.text.toString()).toBe(http.text.toString())
        const socket = http.socket()!
        await waitFor(() => socket.updateFramesAcked === socket.updateFramesSent && socket.updateFramesSent > 0, {
          description: 'every update acknowledged',
        })
      } finally {
        ws.destroy()
      }
    })
  }

  it('carries presence between SSE and WebSocket clients and removes it as soon as the SSE client leaves', async () => {
    const ws = stockProvider(running.wsUrl, 'presence')
    const sse = client('presence', { ladder: ['sse'] })
    try {
      await Promise.all([synced(ws.provider), synced(sse.provider)])
      sse.provider.awareness.setLocalStateField('user', { name: 'Sam' })
      ws.provider.awareness.setLocalStateField('user', { name: 'Wes' })
      const seen = (p: typeof ws.provider, id: number) => p.awareness.getStates().get(id) as { user?: { name: string } }
      await waitFor(() => seen(ws.provider, sse.doc.clientID)?.user?.name === 'Sam', { description: 'WS sees SSE' })
      await waitFor(() => seen(sse.provider, ws.doc.clientID)?.user?.name === 'Wes', { description: 'SSE sees WS' })
      sse.provider.disconnect()
      await waitFor(() => !ws.provider.awareness.getStates().has(sse.doc.clientID), {
        timeoutMs: 3_000,
        description: 'SSE client removed at once (not after the session idles out)',
      })
    } finally {
      ws.destroy()
    }
  })

  it('picks WebSocket when it works, and remembers it', async () => {
    const auto = client('auto-ws', {})
    await synced(auto.provider)
    expect(auto.socket()!.transport).toBe('websocket')
    expect(auto.storage.getItem(`tandem:transport:127.0.0.1:${running.port}`)).toContain('"rung":"websocket"')
  })
})
