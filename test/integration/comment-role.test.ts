import * as decoding from 'lib0/decoding'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { mintToken } from '../../server/auth/tokens.js'
import type { Role } from '../../shared/roles.js'
import { decodeFrames, decodeSseFrames, encodeFrames } from '../../shared/protocol/http-framing.js'
import { rawClient, readAck, updateFrame } from '../helpers/clients.js'
import { openStream } from '../helpers/sse-stream.js'
import { startServer, type RunningServer } from '../helpers/test-server.js'
import { waitFor } from '../helpers/wait-for.js'

const SECRET = 'comment-role-secret-long-enough-for-hs256'
const DOC = 'reviewed'
const token = (role: Role, name?: string) => mintToken({ secret: SECRET, doc: DOC, role, name })

/** y-websocket's permission-denied message, [2, 0, reason], or null. */
function readDenial(frame: Uint8Array): string | null {
  const decoder = decoding.createDecoder(frame)
  if (decoding.readVarUint(decoder) !== 2 || decoding.readVarUint(decoder) !== 0) return null
  return decoding.readVarString(decoder)
}

/** An update that would append `text` to the editor's first paragraph's neighbour: any change will do. */
function vandalism(text: string): Uint8Array {
  const doc = new Y.Doc()
  const paragraph = new Y.XmlElement('paragraph')
  paragraph.insert(0, [new Y.XmlText(text)])
  doc.getXmlFragment('default').insert(0, [paragraph])
  return Y.encodeStateAsUpdate(doc)
}

describe('the comment role: reads and comments, and changes the content by no path (AUTH_SECRET set)', () => {
  let running: RunningServer
  let contentBefore: string
  const api = async (path: string, role: Role, init: { method?: string; body?: unknown } = {}) =>
    fetch(`${running.httpUrl}${path}`, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${await token(role)}`, 'content-type': 'application/json' },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    })
  const content = async () => (await (await api(`/api/docs/${DOC}/content?format=markdown`, 'edit')).text()).trim()
  const storedEntries = async () => (await running.server.store.load(DOC as never)).entries.length

  beforeEach(async () => {
    running = await startServer({ authSecret: SECRET })
    expect(
      (await api('/api/docs', 'edit', { method: 'POST', body: { id: DOC, markdown: 'original text' } })).status,
    ).toBe(201)
    contentBefore = await content()
    expect(contentBefore).toBe('original text')
  })
  afterEach(async () => {
    await running.close()
  })

  it.each([
    ['an Update', 2],
    ['a SyncStep2', 1],
  ])('R-READONLY: WebSocket: %s from a comment token is refused with a reason and not stored', async (_name, type) => {
    const client = await rawClient(`${running.wsUrl}/${DOC}?acks=1&token=${await token('comment')}`)
    await waitFor(() => client.frames.length > 0)
    const entries = await storedEntries()
    client.send(updateFrame(vandalism('vandalism by websocket'), type))
    const denial = await waitFor(() => client.frames.map(readDenial).find((d) => d !== null))
    expect(denial).toBe('read-only: this link can comment but not edit; changes are not saved')
    expect(client.frames.map(readAck).filter((a) => a !== null)).toEqual([])
    client.ws.close()
    expect(await storedEntries()).toBe(entries)
    expect(await content()).toBe(contentBefore)
  })

  it.each(['events', 'poll'])(
    'R-READONLY: HTTP fallback: a POST from a comment token (session opened by %s) is refused and not stored',
    async (downstream) => {
      const commentToken = await token('comment')
      const sid = `comment-${downstream}-session-0001`
      const base = `${running.httpUrl}/collab/${DOC}`
      const entries = await storedEntries()
      const stream =
        downstream === 'events' ? await openStream(`${base}/events?sid=${sid}&token=${commentToken}`) : null
      if (stream) expect(stream.response.status).toBe(200)
      const poll =
        downstream === 'poll'
          ? fetch(`${base}/poll?sid=${sid}&token=${commentToken}`).then(
              async (r) => new Uint8Array(await r.arrayBuffer()),
            )
          : null
      const post = await fetch(`${base}/messages?sid=${sid}`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream', authorization: `Bearer ${commentToken}` },
        body: encodeFrames([updateFrame(vandalism('vandalism by POST'))]),
      })
      expect(post.status).toBe(200)
      const posted = decodeFrames(new Uint8Array(await post.arrayBuffer())) ?? []
      const denial = await waitFor(async () => {
        const streamed = stream
          ? stream.events.flatMap((e) => (e.event === 'message' ? (decodeSseFrames(e.data) ?? []) : []))
          : []
        return [...posted, ...streamed].map(readDenial).find((d) => d !== null)
      })
      expect(denial).toMatch(/^read-only: this link can comment but not edit/)
      stream?.close()
      await fetch(`${base}/messages?sid=${sid}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${commentToken}` },
      })
      await poll?.catch(() => undefined)
      expect(await storedEntries()).toBe(entries)
      expect(await content()).toBe(contentBefore)
    },
  )

  it('R-READONLY: REST: cannot create, import, rename, delete, share or restore; each refusal says why', async () => {
    const version = (await (
      await api(`/api/docs/${DOC}/versions`, 'edit', { method: 'POST', body: { name: 'v1' } })
    ).json()) as {
      id: number
    }
    const attempts: [string, string, unknown?][] = [
      ['POST', '/api/docs', { id: DOC + '-2', markdown: 'imported' }],
      ['POST', '/api/docs', { id: DOC + '-3', html: '<p>imported</p>' }],
      ['PATCH', `/api/docs/${DOC}`, { title: 'renamed' }],
      ['DELETE', `/api/docs/${DOC}`],
      ['POST', `/api/docs/${DOC}/share`, { role: 'edit' }],
      ['POST', `/api/docs/${DOC}/versions`, { name: 'by a commenter' }],
      ['PATCH', `/api/docs/${DOC}/versions/${version.id}`, { name: 'renamed' }],
      ['POST', `/api/docs/${DOC}/versions/${version.id}/restore`],
      ['DELETE', `/api/docs/${DOC}/versions/${version.id}`],
    ]
    for (const [method, path, body] of attempts) {
      const response = await api(path, 'comment', { method, body })
      expect(response.status, `${method} ${path}`).toBe(403)
      const error = (await response.json()) as { error: string; message: string }
      expect(error.error).toBe('read-only')
      expect(error.message).toMatch(/^this link can comment but not edit: cannot /)
    }
    const info = (await (await api(`/api/docs/${DOC}`, 'comment')).json()) as { title: string }
    expect(info.title).toBe('')
    expect(await content()).toBe(contentBefore)
    expect(await running.server.store.info(`${DOC}-2` as never)).toBeNull()
  })

  it('reads the document and its access, and writes threads and replies and resolves', async () => {
    expect(await (await api(`/api/docs/${DOC}/content?format=text`, 'comment')).text()).toBe('original text\n')
    expect(await (await api(`/api/docs/${DOC}/access`, 'comment')).json()).toMatchObject({ role: 'comment' })
    const created = await api(`/api/docs/${DOC}/threads`, 'comment', {
      method: 'POST',
      body: { body: 'is this right?', quote: 'original' },
    })
    expect(created.status).toBe(201)
    const { thread } = (await created.json()) as { thread: { id: string } }
    const reply = await api(`/api/docs/${DOC}/threads/${thread.id}/comments`, 'comment', {
      method: 'POST',
      body: { body: 'yes' },
    })
    expect(reply.status).toBe(201)
    const resolved = await api(`/api/docs/${DOC}/threads/${thread.id}`, 'comment', {
      method: 'PATCH',
      body: { status: 'resolved' },
    })
    expect(resolved.status).toBe(200)
    // Moderation is for editors.
    const moderated = await api(`/api/docs/${DOC}/threads/${thread.id}`, 'comment', { method: 'DELETE' })
    expect(moderated.status).toBe(403)
    expect(((await moderated.json()) as { message: string }).message).toMatch(/only editors can delete a whole thread/)
    expect(await content()).toBe(contentBefore)
  })

  it('an editor mints "Can comment" links that comment and cannot edit', async () => {
    const shared = await api(`/api/docs/${DOC}/share`, 'edit', { method: 'POST', body: { role: 'comment' } })
    expect(shared.status).toBe(200)
    const { token: link, role } = (await shared.json()) as { token: string; role: string }
    expect(role).toBe('comment')
    const access = await fetch(`${running.httpUrl}/api/docs/${DOC}/access?token=${link}`)
    expect(await access.json()).toMatchObject({ role: 'comment', name: null })
    const headers = { authorization: `Bearer ${link}`, 'content-type': 'application/json' }
    const thread = await fetch(`${running.httpUrl}/api/docs/${DOC}/threads`, {
      method: 'POST',
      headers: { ...headers, 'x-tandem-author-id': 'link-browser', 'x-tandem-author-name': 'Guest' },
      body: JSON.stringify({ body: 'from a shared link' }),
    })
    expect(thread.status).toBe(201)
    expect(
      ((await thread.json()) as { thread: { comments: { author: unknown }[] } }).thread.comments[0]!.author,
    ).toEqual({
      id: 'link-browser',
      name: 'Guest',
      isVerified: false,
    })
    const rename = await fetch(`${running.httpUrl}/api/docs/${DOC}`, {
      method: 'PATCH',
      headers,
      body: JSON.stringify({ title: 'x' }),
    })
    expect(rename.status).toBe(403)
  })

  it('a view token reads threads and writes none, each refusal with a sentence', async () => {
    const created = await api(`/api/docs/${DOC}/threads`, 'edit', { method: 'POST', body: { body: 'first' } })
    const { thread } = (await created.json()) as { thread: { id: string; comments: { id: string }[] } }
    const listed = await api(`/api/docs/${DOC}/threads`, 'view')
    expect(listed.status).toBe(200)
    expect(((await listed.json()) as { threads: unknown[] }).threads).toHaveLength(1)
    const base = `/api/docs/${DOC}/threads`
    const commentId = thread.comments[0]!.id
    const writes: [string, string, unknown?][] = [
      ['POST', base, { body: 'from a viewer' }],
      ['POST', `${base}/${thread.id}/comments`, { body: 'reply from a viewer' }],
      ['PATCH', `${base}/${thread.id}`, { status: 'resolved' }],
      ['PATCH', `${base}/${thread.id}/comments/${commentId}`, { body: 'rewritten' }],
      ['DELETE', `${base}/${thread.id}/comments/${commentId}`],
      ['DELETE', `${base}/${thread.id}`],
    ]
    for (const [method, path, body] of writes) {
      const response = await api(path, 'view', { method, body })
      expect(response.status, `${method} ${path}`).toBe(403)
      expect(((await response.json()) as { message: string }).message).toMatch(
        /^this link is view-only: cannot |only editors/,
      )
    }
    const after = (await (await api(base, 'view')).json()) as {
      threads: { status: string; comments: { body: string }[] }[]
    }
    expect(after.threads).toEqual([
      expect.objectContaining({ status: 'open', comments: [expect.objectContaining({ body: 'first' })] }),
    ])
  })
})
