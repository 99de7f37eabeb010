import { SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { mintToken } from '../../server/auth/tokens.js'
import { syncFrame } from '../../shared/protocol/frames.js'
import { closeOfErrorAnswer, encodeFrames } from '../../shared/protocol/http-framing.js'
import { SyncMessageType } from '../../shared/protocol/message-type.js'
import { rawClient, readAck, stockProvider, synced, updateFrame } from '../helpers/clients.js'
import { startServer, type RunningServer } from '../helpers/test-server.js'
import { waitFor } from '../helpers/wait-for.js'

/**
 * Every refusal, on every transport, reaches a browser page with its reason: a WebSocket is closed
 * with a code and reason after the upgrade (a refused upgrade shows a page only 1006), and every
 * HTTP refusal carries CORS headers for the request's origin (without them the page sees only a
 * network error). docs/protocol.md, "Refusals".
 */

const SECRET = 'refusals-test-secret-long-enough-for-hs256'
const APP_ORIGIN = 'https://app.example.com'
const EVIL_ORIGIN = 'https://evil.example'
const DOC = 'refusals-doc'
const SID = 'refusal-session-000001'

let running: RunningServer
beforeAll(async () => {
  running = await startServer({ authSecret: SECRET, allowedOrigins: [APP_ORIGIN] })
})
afterAll(async () => {
  await running.close()
})

const editToken = (doc: string) => mintToken({ secret: SECRET, doc, role: 'edit' })

/** A correctly signed token that expired a minute ago (mintToken refuses a ttl in the past). */
function expiredToken(doc: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000)
  return new SignJWT({ doc, role: 'edit' })
    .setProtectedHeader({ alg: 'HS256' })
    .setAudience('tandem')
    .setSubject('someone')
    .setIssuedAt(now - 120)
    .setExpirationTime(now - 60)
    .sign(new TextEncoder().encode(SECRET))
}

interface Refusal {
  /** Names the case. */
  name: string
  /** The page's origin. */
  origin: string
  /** The token the client sends, or null for none. */
  token: () => Promise<string | null>
  /** Extra query parameters. */
  query?: Record<string, string>
  /** HTTP status of the fallback transports' refusal. */
  status: number
  /** The WebSocket close code, and the one the HTTP refusal stands for. */
  closeCode: number
  /** The close reason, on every transport. */
  reason: RegExp
}

const REFUSALS: Refusal[] = [
  {
    name: 'a page origin outside ALLOWED_ORIGINS',
    origin: EVIL_ORIGIN,
    token: () => editToken(DOC),
    status: 403,
    closeCode: 4403,
    reason: /^forbidden-origin: origin https:\/\/evil\.example is not in ALLOWED_ORIGINS$/,
  },
  {
    name: 'no token',
    origin: APP_ORIGIN,
    token: async () => null,
    status: 401,
    closeCode: 4401,
    reason: /^unauthorized: a token is required/,
  },
  {
    name: 'a malformed token',
    origin: APP_ORIGIN,
    token: async () => 'not.a.jwt',
    status: 401,
    closeCode: 4401,
    reason: /^unauthorized: token is invalid/,
  },
  {
    name: 'an expired token',
    origin: APP_ORIGIN,
    token: () => expiredToken(DOC),
    status: 401,
    closeCode: 4401,
    reason: /^token-expired: /,
  },
  {
    name: 'a token for another document',
    origin: APP_ORIGIN,
    token: () => editToken('another-doc'),
    status: 403,
    closeCode: 4403,
    reason: /^forbidden: token does not grant access to document refusals-doc$/,
  },
  {
    name: 'a protocol version the server does not speak',
    origin: APP_ORIGIN,
    token: () => editToken(DOC),
    query: { protocol: '99' },
    status: 400,
    closeCode: 4426,
    reason: /^incompatible-protocol: the client speaks protocol 99, this server 1$/,
  },
]

/** A WebSocket as a page on `origin` opens it: its close, and every frame before it. */
async function openWebSocket(refusal: Refusal): Promise<{ code: number; reason: string; frames: number }> {
  const token = await refusal.token()
  const query = new URLSearchParams({ ...refusal.query, ...(token !== null && { token }) })
  const ws = new WebSocket(`${running.wsUrl}/${DOC}?${query}`, { origin: refusal.origin })
  let frames = 0
  ws.on('message', () => frames++)
  return new Promise((resolve) => {
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString(), frames }))
  })
}

/** Each fallback endpoint, requested as Tandem's client requests it (token in the Authorization header). */
const HTTP_ENDPOINTS = [
  { name: 'SSE', method: 'GET', path: 'events' },
  { name: 'long-poll', method: 'GET', path: 'poll' },
  { name: 'POST', method: 'POST', path: 'messages' },
] as const

async function requestEndpoint(refusal: Refusal, endpoint: (typeof HTTP_ENDPOINTS)[number]): Promise<Response> {
  const token = await refusal.token()
  const query = new URLSearchParams({ ...refusal.query, sid: SID })
  const headers: Record<string, string> = { Origin: refusal.origin }
  if (token !== null) headers.Authorization = `Bearer ${token}`
  if (endpoint.method === 'POST') headers['Content-Type'] = 'application/octet-stream'
  const stateVector = Y.encodeStateVector(new Y.Doc())
  return fetch(`${running.httpUrl}/collab/${DOC}/${endpoint.path}?${query}`, {
    method: endpoint.method,
    headers,
    body: endpoint.method === 'POST' ? encodeFrames([syncFrame(SyncMessageType.Step1, stateVector)]) : undefined,
  })
}

describe.each(REFUSALS)('refusing $name', (refusal) => {
  it('closes the WebSocket after the upgrade with the code and reason, having sent nothing', async () => {
    const closed = await openWebSocket(refusal)
    expect(closed.code).toBe(refusal.closeCode)
    expect(closed.reason).toMatch(refusal.reason)
    expect(closed.frames).toBe(0)
  })

  it.each(HTTP_ENDPOINTS)('answers $name with the status, CORS headers and the reason', async (endpoint) => {
    const response = await requestEndpoint(refusal, endpoint)
    expect(response.status).toBe(refusal.status)
    expect(response.headers.get('access-control-allow-origin')).toBe(refusal.origin)
    expect(response.headers.get('vary')).toMatch(/\bOrigin\b/)
    expect(response.headers.get('content-type')).toMatch(/^application\/json/)
    const body = await response.text()
    const close = closeOfErrorAnswer(response.status, body)
    expect(close.code).toBe(refusal.closeCode)
    expect(close.reason).toMatch(refusal.reason)
  })
})

describe('CORS preflights', () => {
  it.each([APP_ORIGIN, EVIL_ORIGIN])(
    'lets %s send the request (the request itself is refused, readably, when the origin is)',
    async (origin) => {
      for (const endpoint of HTTP_ENDPOINTS) {
        const preflight = await fetch(`${running.httpUrl}/collab/${DOC}/${endpoint.path}?sid=${SID}`, {
          method: 'OPTIONS',
          headers: {
            Origin: origin,
            'Access-Control-Request-Method': endpoint.method,
            'Access-Control-Request-Headers': 'authorization, content-type, last-event-id',
          },
        })
        expect(preflight.status).toBe(204)
        expect(preflight.headers.get('access-control-allow-origin')).toBe(origin)
        expect(preflight.headers.get('vary')).toMatch(/\bOrigin\b/)
        expect(preflight.headers.get('access-control-allow-methods')).toContain(endpoint.method)
        expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization')
      }
    },
  )
})

describe('cross-site WebSocket hijacking', () => {
  it('gives a refused origin nothing of the document and takes nothing from it', async () => {
    const docId = 'hijack-target'
    const owner = await rawClient(`${running.wsUrl}/${docId}?acks=1&token=${await editToken(docId)}`)
    const original = new Y.Doc()
    original.getText('t').insert(0, 'secret plans')
    owner.send(updateFrame(Y.encodeStateAsUpdate(original)))
    await waitFor(() => owner.frames.some((frame) => readAck(frame) === 1), { description: 'the owner acked' })

    const intruder = new WebSocket(`${running.wsUrl}/${docId}?token=${await editToken(docId)}`, {
      origin: EVIL_ORIGIN,
    })
    const received: Buffer[] = []
    intruder.on('message', (data: Buffer) => received.push(data))
    const forged = new Y.Doc()
    forged.getText('t').insert(0, 'forged ')
    intruder.on('open', () => {
      // The first thing a hijacking page would do: a sync step 1 (asking for the document) and a change.
      intruder.send(syncFrame(SyncMessageType.Step1, Y.encodeStateVector(new Y.Doc())))
      intruder.send(updateFrame(Y.encodeStateAsUpdate(forged)))
    })
    const code = await new Promise<number>((resolve) => intruder.on('close', (closeCode) => resolve(closeCode)))
    expect(code).toBe(4403)
    expect(received).toEqual([])

    const stored = new Y.Doc()
    for (const entry of (await running.server.store.load(docId as never)).entries) Y.applyUpdate(stored, entry.update)
    expect(stored.getText('t').toString()).toBe('secret plans')
    owner.ws.close()
  })

  it('still serves clients that send no Origin (servers, stock y-websocket in Node), with their token', async () => {
    const docId = 'no-origin-client'
    const stock = stockProvider(running.wsUrl, docId, { params: { token: await editToken(docId) } })
    try {
      await synced(stock.provider)
    } finally {
      stock.destroy()
    }
  })
})
