import type { Node as PMNode } from '@tiptap/pm/model'
import { Transform } from '@tiptap/pm/transform'
import { prosemirrorJSONToYXmlFragment, yXmlFragmentToProseMirrorRootNode } from '@tiptap/y-tiptap'
import * as decoding from 'lib0/decoding'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { mintToken } from '../../server/auth/tokens.js'
import { DOCUMENT_FIELD, documentSchema } from '../../server/content/schema.js'
import { decodeFrames, decodeSseFrames, encodeFrames } from '../../shared/protocol/http-framing.js'
import { rawClient, readAck, updateFrame } from '../helpers/clients.js'
import { openStream } from '../helpers/sse-stream.js'
import { startServer, type RunningServer } from '../helpers/test-server.js'
import { waitFor } from '../helpers/wait-for.js'

/**
 * Issue 17, "Suggest-only enforced by the server": a comment-role update is applied only if it
 * changes nothing but suggestions of its author, on every transport; otherwise it is refused with
 * the permission message view tokens get, and neither applied, stored nor acknowledged.
 */

const SECRET = 'suggest-only-secret-long-enough-for-hs256'
const DOC = 'reviewed'
const ORIGINAL = 'original text'
const DENIAL = 'read-only: this link can comment but not edit; changes are not saved'

const insertion = documentSchema.marks['insertion']!
const deletion = documentSchema.marks['deletion']!
const suggestionBy = (author: string, n = 1) => ({
  id: `${author}:${n}`,
  author,
  authorName: author,
  at: 1_700_000_000_000,
})

/** y-websocket's permission-denied message, [2, 0, reason], or null. */
function readDenial(frame: Uint8Array): string | null {
  const decoder = decoding.createDecoder(frame)
  if (decoding.readVarUint(decoder) !== 2 || decoding.readVarUint(decoder) !== 0) return null
  return decoding.readVarString(decoder)
}

/** The update that turns `base` into what `edit` makes of it, through y-tiptap as an editor would. */
function editorUpdate(base: Y.Doc, edit: (doc: PMNode) => PMNode): Uint8Array {
  const copy = new Y.Doc()
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(base))
  const fragment = copy.getXmlFragment(DOCUMENT_FIELD)
  const edited = edit(yXmlFragmentToProseMirrorRootNode(fragment, documentSchema))
  prosemirrorJSONToYXmlFragment(documentSchema, edited.toJSON(), fragment)
  return Y.encodeStateAsUpdate(copy, Y.encodeStateVector(base))
}

/** The update a raw Yjs edit of the document's first paragraph's text makes. */
function rawTextUpdate(base: Y.Doc, edit: (text: Y.XmlText) => void): Uint8Array {
  const copy = new Y.Doc()
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(base))
  const paragraph = copy.getXmlFragment(DOCUMENT_FIELD).get(0) as Y.XmlElement
  edit(paragraph.get(0) as Y.XmlText)
  return Y.encodeStateAsUpdate(copy, Y.encodeStateVector(base))
}

/** The comment role's suggestions and attempts, each as the update it sends. */
const attempts = {
  'a suggested insertion by its author': (base: Y.Doc) =>
    editorUpdate(
      base,
      (doc) =>
        new Transform(doc).insert(1, documentSchema.text('very ', [insertion.create(suggestionBy('alice'))])).doc,
    ),
  'a plain edit': (base: Y.Doc) =>
    editorUpdate(base, (doc) => new Transform(doc).insert(1, documentSchema.text('very ')).doc),
  'a crafted update that changes text without marks': (base: Y.Doc) => rawTextUpdate(base, (text) => text.delete(0, 9)),
  'a forged suggestion by another author': (base: Y.Doc) =>
    editorUpdate(
      base,
      (doc) => new Transform(doc).insert(1, documentSchema.text('very ', [insertion.create(suggestionBy('bob'))])).doc,
    ),
  'text removed while other text is marked deleted': (base: Y.Doc) =>
    editorUpdate(
      base,
      (doc) => new Transform(doc).addMark(1, 9, deletion.create(suggestionBy('alice'))).delete(9, 14).doc,
    ),
  'an entry in another shared type': (base: Y.Doc) => {
    const copy = new Y.Doc()
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(base))
    copy.getMap('settings').set('owner', 'alice')
    return Y.encodeStateAsUpdate(copy, Y.encodeStateVector(base))
  },
} as const
type Attempt = keyof typeof attempts
const refusedAttempts = Object.keys(attempts).filter((name) => !name.startsWith('a suggested')) as Attempt[]

/** What the server answered to one update. */
interface Outcome {
  denial: string | null
  /** Acknowledged as durable (Ack frame on WebSocket, the POST's 200 on HTTP). */
  isAcknowledged: boolean
}

type Transport = 'websocket' | 'sse+post' | 'long-poll+post'
const transports: Transport[] = ['websocket', 'sse+post', 'long-poll+post']

describe('suggest-only: the comment role may suggest and nothing more (AUTH_SECRET set)', () => {
  let running: RunningServer
  /** Alice's comment token: verified, names her, `sub` = alice. */
  let aliceToken: string

  const editHeaders = async () => ({
    authorization: `Bearer ${await mintToken({ secret: SECRET, doc: DOC, role: 'edit' })}`,
    'content-type': 'application/json',
  })
  const storedEntries = async () => (await running.server.store.load(DOC as never)).entries.length
  /** The document as storage holds it. */
  const storedDoc = async () => {
    const doc = new Y.Doc()
    for (const entry of (await running.server.store.load(DOC as never)).entries) Y.applyUpdate(doc, entry.update)
    return doc
  }
  const storedProseMirror = async () =>
    yXmlFragmentToProseMirrorRootNode((await storedDoc()).getXmlFragment(DOCUMENT_FIELD), documentSchema)

  /** Sends one update as a comment-role client over `transport` and reports the answer. */
  async function send(transport: Transport, update: Uint8Array, token = aliceToken): Promise<Outcome> {
    if (transport === 'websocket') {
      const client = await rawClient(`${running.wsUrl}/${DOC}?acks=1&token=${token}`)
      await waitFor(() => client.frames.length > 0)
      client.send(updateFrame(update))
      await waitFor(() => client.frames.some((frame) => readDenial(frame) !== null || readAck(frame) !== null))
      const outcome = {
        denial: client.frames.map(readDenial).find((d) => d !== null) ?? null,
        isAcknowledged: client.frames.some((frame) => readAck(frame) !== null),
      }
      client.ws.close()
      return outcome
    }
    const sid = `suggest-${transport === 'sse+post' ? 'sse' : 'poll'}-${Math.random().toString(36).slice(2, 12)}`
    const base = `${running.httpUrl}/collab/${DOC}`
    const stream = transport === 'sse+post' ? await openStream(`${base}/events?sid=${sid}&token=${token}`) : null
    if (stream) expect(stream.response.status).toBe(200)
    const poll =
      transport === 'long-poll+post'
        ? fetch(`${base}/poll?sid=${sid}&token=${token}`).then(async (r) => new Uint8Array(await r.arrayBuffer()))
        : null
    const post = await fetch(`${base}/messages?sid=${sid}`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', authorization: `Bearer ${token}` },
      body: encodeFrames([updateFrame(update)]),
    })
    const replies = decodeFrames(new Uint8Array(await post.arrayBuffer())) ?? []
    const streamed = stream
      ? stream.events.flatMap((e) => (e.event === 'message' ? (decodeSseFrames(e.data) ?? []) : []))
      : []
    stream?.close()
    await fetch(`${base}/messages?sid=${sid}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } })
    await poll?.catch(() => undefined)
    const denial = [...replies, ...streamed].map(readDenial).find((d) => d !== null) ?? null
    return { denial, isAcknowledged: post.status === 200 && denial === null }
  }

  beforeEach(async () => {
    running = await startServer({ authSecret: SECRET })
    const created = await fetch(`${running.httpUrl}/api/docs`, {
      method: 'POST',
      headers: await editHeaders(),
      body: JSON.stringify({ id: DOC, markdown: ORIGINAL }),
    })
    expect(created.status).toBe(201)
    aliceToken = await mintToken({ secret: SECRET, doc: DOC, role: 'comment', name: 'Alice', userId: 'alice' })
  })
  afterEach(async () => {
    await running.close()
  })

  describe.each(transports)('over %s', (transport) => {
    it('a suggested insertion by its author is applied, stored and acknowledged', async () => {
      const outcome = await send(transport, attempts['a suggested insertion by its author'](await storedDoc()))
      expect(outcome).toEqual({ denial: null, isAcknowledged: true })
      const stored = await storedProseMirror()
      expect(stored.textContent).toBe(`very ${ORIGINAL}`)
      const marked = stored.firstChild!.firstChild!
      expect(marked.text).toBe('very ')
      expect(marked.marks.map((mark) => [mark.type.name, mark.attrs['author']])).toEqual([['insertion', 'alice']])
    })

    it.each(refusedAttempts)('%s is refused with the view message, not stored, not acknowledged', async (name) => {
      const entries = await storedEntries()
      const outcome = await send(transport, attempts[name](await storedDoc()))
      expect(outcome).toEqual({ denial: DENIAL, isAcknowledged: false })
      // Refused by the suggest-only check, which logs why.
      const refusal = running.logs.find((line) => line.msg === 'suggestion refused')
      expect(refusal?.['reason']).toEqual(expect.any(String))
      expect(await storedEntries()).toBe(entries)
      expect((await storedProseMirror()).textContent).toBe(ORIGINAL)
    })
  })

  it('the suggestion was checked against the document the others see: an editor receives it live', async () => {
    const editor = await rawClient(
      `${running.wsUrl}/${DOC}?token=${await mintToken({ secret: SECRET, doc: DOC, role: 'edit' })}`,
    )
    await waitFor(() => editor.frames.length > 0)
    const framesBefore = editor.frames.length
    expect(
      (await send('websocket', attempts['a suggested insertion by its author'](await storedDoc()))).denial,
    ).toBeNull()
    // The editor is sent the update (sync Update frame: [0, 2, …]).
    await waitFor(() => editor.frames.slice(framesBefore).some((frame) => frame[0] === 0 && frame[1] === 2))
    editor.ws.close()
  })

  it('a token that names no person: the connection is pinned to the author of its first suggestion', async () => {
    const guestToken = await mintToken({ secret: SECRET, doc: DOC, role: 'comment' })
    const client = await rawClient(`${running.wsUrl}/${DOC}?acks=1&token=${guestToken}`)
    await waitFor(() => client.frames.length > 0)
    const outcomes = () =>
      client.frames.flatMap((frame) => {
        const denial = readDenial(frame)
        if (denial !== null) return [`denied`]
        const ack = readAck(frame)
        return ack === null ? [] : [`ack ${ack}`]
      })
    const base = await storedDoc()
    const first = editorUpdate(
      base,
      (doc) =>
        new Transform(doc).insert(1, documentSchema.text('very ', [insertion.create(suggestionBy('guest-1'))])).doc,
    )
    client.send(updateFrame(first))
    await waitFor(() => outcomes().length === 1)
    const afterFirst = new Y.Doc()
    Y.applyUpdate(afterFirst, Y.encodeStateAsUpdate(base))
    Y.applyUpdate(afterFirst, first)
    // The same connection now claims another author: refused.
    const second = editorUpdate(
      afterFirst,
      (doc) =>
        new Transform(doc).insert(
          doc.content.size - 1,
          documentSchema.text('!', [insertion.create(suggestionBy('guest-2'))]),
        ).doc,
    )
    client.send(updateFrame(second))
    await waitFor(() => outcomes().length === 2)
    expect(outcomes()).toEqual(['ack 1', 'denied'])
    client.ws.close()
    expect((await storedProseMirror()).textContent).toBe(`very ${ORIGINAL}`)
  })

  it('a verified commenter withdraws her own suggestion; the document is as before', async () => {
    const base = await storedDoc()
    const suggested = attempts['a suggested insertion by its author'](base)
    expect((await send('websocket', suggested)).isAcknowledged).toBe(true)
    const withSuggestion = await storedDoc()
    const withdrawn = editorUpdate(withSuggestion, (doc) => new Transform(doc).delete(1, 6).doc)
    expect(await send('websocket', withdrawn)).toEqual({ denial: null, isAcknowledged: true })
    expect((await storedProseMirror()).textContent).toBe(ORIGINAL)
  })

  it('charges the check to the connection’s apply budget, refused updates included', async () => {
    const tight = await startServer({
      authSecret: SECRET,
      limits: { applyBudgetBurstMs: 0.001, applyBudgetMsPerSecond: 0.001 },
    })
    try {
      const editToken = await mintToken({ secret: SECRET, doc: DOC, role: 'edit' })
      const created = await fetch(`${tight.httpUrl}/api/docs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${editToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ id: DOC, markdown: ORIGINAL }),
      })
      expect(created.status).toBe(201)
      const client = await rawClient(`${tight.wsUrl}/${DOC}?acks=1&token=${aliceToken}`)
      await waitFor(() => client.frames.length > 0)
      const base = new Y.Doc()
      for (const entry of (await tight.server.store.load(DOC as never)).entries) Y.applyUpdate(base, entry.update)
      for (let i = 0; i < 5; i++) client.send(updateFrame(attempts['a plain edit'](base)))
      const closed = await client.closed
      expect(closed.code).toBe(4529)
      expect(closed.reason).toMatch(/too expensive/)
    } finally {
      await tight.close()
    }
  })

  it('a view token stays refused, suggestion or not', async () => {
    const viewToken = await mintToken({ secret: SECRET, doc: DOC, role: 'view', name: 'Alice', userId: 'alice' })
    const outcome = await send(
      'websocket',
      attempts['a suggested insertion by its author'](await storedDoc()),
      viewToken,
    )
    expect(outcome).toEqual({
      denial: 'read-only: this link is view-only; changes are not saved',
      isAcknowledged: false,
    })
  })
})
