import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Comment, Thread } from '../../shared/comments.js'
import { MAX_COMMENT_BODY_CHARS, MAX_THREAD_QUOTE_CHARS, THREAD_SUGGESTION_ID_PATTERN } from '../../shared/comments.js'
import { SUGGESTION_ID_PATTERN } from '../../shared/suggestions/suggestion-marks.js'
import { mintToken } from '../../server/auth/tokens.js'
import type { Role } from '../../shared/roles.js'
import { openSqliteStorage } from '../../server/storage/sqlite/sqlite-storage.js'
import type { ServerOptions } from '../../server/create-server.js'
import { startServer, type RunningServer } from '../helpers/test-server.js'

interface Call {
  method?: string
  body?: unknown
  /** Sent as is (malformed JSON tests). */
  raw?: string
  author?: { id?: string; name?: string }
  token?: string
  headers?: Record<string, string>
}

function client(running: () => RunningServer) {
  return async (path: string, call: Call = {}) => {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...call.headers }
    if (call.author?.id) headers['x-tandem-author-id'] = call.author.id
    if (call.author?.name) headers['x-tandem-author-name'] = encodeURIComponent(call.author.name)
    if (call.token) headers.authorization = `Bearer ${call.token}`
    return fetch(`${running().httpUrl}${path}`, {
      method: call.method ?? 'GET',
      headers,
      body: call.raw ?? (call.body === undefined ? undefined : JSON.stringify(call.body)),
    })
  }
}

const ANN = { id: 'browser-ann', name: 'Ann' }
const BOB = { id: 'browser-bob', name: 'Bob' }
const ANCHOR = { start: 'AQIDBA==', end: 'BQYHCA==' }

describe('comments REST API without AUTH_SECRET', () => {
  let running: RunningServer
  const api = client(() => running)
  const threadsPath = '/api/docs/notes/threads'
  const post = async (body: unknown, author = ANN) => api(threadsPath, { method: 'POST', body, author })
  const list = async () => ((await (await api(threadsPath)).json()) as { threads: Thread[] }).threads

  async function start(options: ServerOptions = {}) {
    running = await startServer(options)
    const created = await api('/api/docs', { method: 'POST', body: { id: 'notes', markdown: 'The number is 42.' } })
    expect(created.status).toBe(201)
  }
  afterEach(async () => {
    await running.close()
  })

  describe('with default limits', () => {
    beforeEach(() => start())

    it('lists no threads, with an ETag that answers 304 until something changes', async () => {
      const first = await api(threadsPath)
      expect(first.status).toBe(200)
      expect(await first.json()).toEqual({ threads: [] })
      const etag = first.headers.get('etag')!
      expect(etag).toMatch(/^W\/"threads-/)
      const again = await api(threadsPath, { headers: { 'if-none-match': etag } })
      expect(again.status).toBe(304)
      await post({ body: 'hello' })
      const changed = await api(threadsPath, { headers: { 'if-none-match': etag } })
      expect(changed.status).toBe(200)
      expect(changed.headers.get('etag')).not.toBe(etag)
    })

    it('creates a thread (201) with the browser as its unverified author, and lists it', async () => {
      const response = await post({ body: '  Is this number right?  ', quote: 'The number', anchor: ANCHOR })
      expect(response.status).toBe(201)
      const { thread } = (await response.json()) as { thread: Thread }
      expect(thread).toEqual({
        id: expect.any(String),
        status: 'open',
        quote: 'The number',
        anchor: ANCHOR,
        suggestionId: null,
        comments: [
          {
            id: expect.any(String),
            body: 'Is this number right?',
            author: { id: 'browser-ann', name: 'Ann', isVerified: false },
            createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
            editedAt: null,
          },
        ],
        createdAt: thread.comments[0]!.createdAt,
        updatedAt: thread.comments[0]!.createdAt,
      })
      expect(response.headers.get('location')).toBe(`${threadsPath}/${thread.id}`)
      expect(await list()).toEqual([thread])
    })

    it('names a browser without headers Anonymous, and decodes percent-encoded names', async () => {
      const bare = await api(threadsPath, { method: 'POST', body: { body: 'no name' } })
      expect(((await bare.json()) as { thread: Thread }).thread.comments[0]!.author).toEqual({
        id: 'anonymous',
        name: 'Anonymous',
        isVerified: false,
      })
      const named = await post({ body: 'accented' }, { id: 'browser-zoe', name: '  Zoë 李  ' })
      expect(((await named.json()) as { thread: Thread }).thread.comments[0]!.author.name).toBe('Zoë 李')
    })

    it('takes a whole-document comment (no quote, no anchor) and cuts a long quote with an ellipsis', async () => {
      const whole = ((await (await post({ body: 'general remark' })).json()) as { thread: Thread }).thread
      expect(whole).toMatchObject({ quote: '', anchor: null })
      const long = ((await (await post({ body: 'long', quote: 'x'.repeat(5_000) })).json()) as { thread: Thread })
        .thread
      expect(long.quote).toHaveLength(MAX_THREAD_QUOTE_CHARS)
      expect(long.quote.endsWith('…')).toBe(true)
    })

    it('links a thread to the suggestion it discusses, returned by GET; refuses a malformed suggestion id', async () => {
      expect(THREAD_SUGGESTION_ID_PATTERN.source).toBe(SUGGESTION_ID_PATTERN.source)
      const response = await post({ body: 'Why cut this?', quote: 'The number', suggestionId: 'browser-ann:k3x9.2' })
      expect(response.status).toBe(201)
      const { thread } = (await response.json()) as { thread: Thread }
      expect(thread.suggestionId).toBe('browser-ann:k3x9.2')
      const plain = ((await (await post({ body: 'plain', suggestionId: null })).json()) as { thread: Thread }).thread
      expect(plain.suggestionId).toBeNull()
      expect((await list()).map((listed) => listed.suggestionId)).toEqual(['browser-ann:k3x9.2', null])
      for (const suggestionId of ['', 'has space', 'x'.repeat(121), '<script>', 42]) {
        const refused = await post({ body: 'bad link', suggestionId })
        expect(refused.status).toBe(400)
        expect(((await refused.json()) as { message: string }).message).toMatch(/suggestionId|Expected/)
      }
      expect(await list()).toHaveLength(2)
    })

    it('keeps a hostile body as its characters', async () => {
      const body = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
      await post({ body })
      expect((await list())[0]!.comments[0]!.body).toBe(body)
    })

    it('replies (201 with thread and comment), resolves and reopens', async () => {
      const { thread } = (await (await post({ body: 'question' })).json()) as { thread: Thread }
      const reply = await api(`${threadsPath}/${thread.id}/comments`, {
        method: 'POST',
        body: { body: 'answer' },
        author: BOB,
      })
      expect(reply.status).toBe(201)
      const replied = (await reply.json()) as { thread: Thread; comment: Comment }
      expect(replied.comment).toMatchObject({ body: 'answer', author: { id: 'browser-bob', name: 'Bob' } })
      expect(replied.thread.comments.map((c) => c.body)).toEqual(['question', 'answer'])
      for (const status of ['resolved', 'open'] as const) {
        const patched = await api(`${threadsPath}/${thread.id}`, { method: 'PATCH', body: { status }, author: BOB })
        expect(patched.status).toBe(200)
        expect(((await patched.json()) as { thread: Thread }).thread.status).toBe(status)
      }
    })

    it('lets only its author edit or delete a comment', async () => {
      const { thread } = (await (await post({ body: 'my words' })).json()) as { thread: Thread }
      await api(`${threadsPath}/${thread.id}/comments`, { method: 'POST', body: { body: 'reply' }, author: BOB })
      const commentPath = `${threadsPath}/${thread.id}/comments/${thread.comments[0]!.id}`
      const byBob = await api(commentPath, { method: 'PATCH', body: { body: 'Bob was here' }, author: BOB })
      expect(byBob.status).toBe(403)
      expect(await byBob.json()).toEqual({ error: 'forbidden', message: 'only its author can edit this comment' })
      expect((await api(commentPath, { method: 'DELETE', author: BOB })).status).toBe(403)
      const edited = await api(commentPath, { method: 'PATCH', body: { body: 'better words' }, author: ANN })
      expect(edited.status).toBe(200)
      const { comment } = (await edited.json()) as { comment: Comment }
      expect(comment).toMatchObject({ body: 'better words', editedAt: expect.any(String) })
      const deleted = await api(commentPath, { method: 'DELETE', author: ANN })
      expect(deleted.status).toBe(200)
      expect(((await deleted.json()) as { thread: Thread }).thread.comments.map((c) => c.body)).toEqual(['reply'])
    })

    it('removes a thread whose last comment its author deleted', async () => {
      const { thread } = (await (await post({ body: 'oops' })).json()) as { thread: Thread }
      const deleted = await api(`${threadsPath}/${thread.id}/comments/${thread.comments[0]!.id}`, {
        method: 'DELETE',
        author: ANN,
      })
      expect(await deleted.json()).toEqual({ thread: null })
      expect(await list()).toEqual([])
    })

    it('lets the edit role delete a whole thread (204), then 404', async () => {
      const { thread } = (await (await post({ body: 'spam' }, BOB)).json()) as { thread: Thread }
      expect((await api(`${threadsPath}/${thread.id}`, { method: 'DELETE', author: ANN })).status).toBe(204)
      expect(await list()).toEqual([])
      expect((await api(`${threadsPath}/${thread.id}`, { method: 'DELETE' })).status).toBe(404)
    })

    it('makes creation idempotent with a client-chosen id: a re-sent write creates nothing twice', async () => {
      const id = 'offline-thread-0001'
      const first = await post({ id, body: 'written offline' })
      expect(first.status).toBe(201)
      const again = await post({ id, body: 'written offline' })
      expect(again.status).toBe(200)
      expect(((await again.json()) as { thread: Thread }).thread.id).toBe(id)
      const replyPath = `${threadsPath}/${id}/comments`
      expect(
        (await api(replyPath, { method: 'POST', body: { id: 'offline-reply-01', body: 'r' }, author: ANN })).status,
      ).toBe(201)
      expect(
        (await api(replyPath, { method: 'POST', body: { id: 'offline-reply-01', body: 'r' }, author: ANN })).status,
      ).toBe(200)
      const threads = await list()
      expect(threads).toHaveLength(1)
      expect(threads[0]!.comments.map((c) => c.id)).toEqual([expect.any(String), 'offline-reply-01'])
      // Someone else's id is not theirs to reuse.
      const taken = await post({ id, body: 'mine now' }, BOB)
      expect(taken.status).toBe(409)
      const takenReply = await api(replyPath, {
        method: 'POST',
        body: { id: 'offline-reply-01', body: 'x' },
        author: BOB,
      })
      expect(takenReply.status).toBe(409)
    })

    it('answers 404 for an unknown document, thread or comment', async () => {
      const { thread } = (await (await post({ body: 'here' })).json()) as { thread: Thread }
      const cases: [string, string, unknown?][] = [
        ['GET', '/api/docs/nowhere/threads'],
        ['POST', '/api/docs/nowhere/threads', { body: 'x' }],
        ['POST', `${threadsPath}/no-such-thread/comments`, { body: 'x' }],
        ['PATCH', `${threadsPath}/no-such-thread`, { status: 'resolved' }],
        ['PATCH', `${threadsPath}/${thread.id}/comments/no-such-comment`, { body: 'x' }],
        ['DELETE', `${threadsPath}/${thread.id}/comments/no-such-comment`],
      ]
      for (const [method, path, body] of cases) {
        const response = await api(path, { method, body, author: ANN })
        expect(response.status, `${method} ${path}`).toBe(404)
        expect(((await response.json()) as { error: string }).error).toBe('not-found')
      }
    })

    it('answers 400 with a sentence for malformed JSON and bad input', async () => {
      const { thread } = (await (await post({ body: 'here' })).json()) as { thread: Thread }
      const malformed = await api(threadsPath, { method: 'POST', raw: '{"body": "unterminated' })
      expect(malformed.status).toBe(400)
      expect(await malformed.json()).toEqual({ error: 'bad-request', message: 'request body is not valid JSON' })
      const cases: [string, string, Call][] = [
        ['empty body', threadsPath, { method: 'POST', body: { body: '   ' } }],
        ['too long', threadsPath, { method: 'POST', body: { body: 'x'.repeat(MAX_COMMENT_BODY_CHARS + 1) } }],
        ['no body', threadsPath, { method: 'POST', body: { quote: 'q' } }],
        ['unknown field', threadsPath, { method: 'POST', body: { body: 'b', html: '<b>' } }],
        [
          'bad anchor',
          threadsPath,
          { method: 'POST', body: { body: 'b', anchor: { start: 'not base64!', end: 'AA==' } } },
        ],
        [
          'huge anchor',
          threadsPath,
          { method: 'POST', body: { body: 'b', anchor: { start: 'A'.repeat(2_000), end: 'AA==' } } },
        ],
        ['bad id', threadsPath, { method: 'POST', body: { id: 'short', body: 'b' } }],
        ['bad author id', threadsPath, { method: 'POST', body: { body: 'b' }, author: { id: 'has spaces' } }],
        ['bad status', `${threadsPath}/${thread.id}`, { method: 'PATCH', body: { status: 'closed' } }],
      ]
      for (const [name, path, call] of cases) {
        const response = await api(path, call)
        expect(response.status, name).toBe(400)
        const error = (await response.json()) as { error: string; message: string }
        expect(error.error, name).toBe('bad-request')
        expect(error.message.length, name).toBeGreaterThan(10)
      }
      expect(await list()).toHaveLength(1)
    })

    it('lets browsers send the author headers cross-origin (CORS preflight)', async () => {
      const preflight = await fetch(`${running.httpUrl}${threadsPath}`, {
        method: 'OPTIONS',
        headers: {
          origin: 'https://app.example',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'x-tandem-author-id, x-tandem-author-name',
        },
      })
      expect(preflight.status).toBe(204)
      const allowed = preflight.headers.get('access-control-allow-headers')!.toLowerCase()
      expect(allowed).toContain('x-tandem-author-id')
      expect(allowed).toContain('x-tandem-author-name')
    })

    it('deletes the threads with their document', async () => {
      await post({ body: 'soon gone' })
      expect((await api('/api/docs/notes', { method: 'DELETE' })).status).toBe(204)
      expect((await api(threadsPath)).status).toBe(404)
      await api('/api/docs', { method: 'POST', body: { id: 'notes' } })
      expect(await list()).toEqual([])
    })

    it('keeps comments when a version is restored', async () => {
      const version = (await (
        await api('/api/docs/notes/versions', { method: 'POST', body: { name: 'v1' } })
      ).json()) as {
        id: number
      }
      await post({ body: 'made after v1', quote: 'number' })
      const restored = await api(`/api/docs/notes/versions/${version.id}/restore`, { method: 'POST' })
      expect(restored.status).toBe(200)
      expect((await list()).map((t) => t.comments[0]!.body)).toEqual(['made after v1'])
    })
  })

  describe('exports', () => {
    beforeEach(async () => {
      await start()
      const { thread } = (await (await post({ body: 'Is <b>42</b> & right?', quote: 'The number' })).json()) as {
        thread: Thread
      }
      await api(`${threadsPath}/${thread.id}/comments`, {
        method: 'POST',
        body: { body: 'Yes *really*\n# not a heading\n1. not a list' },
        author: BOB,
      })
    })
    const exported = async (format: string, query = '') =>
      (await api(`/api/docs/notes/content?format=${format}${query}`)).text()

    it('leaves comments out unless asked', async () => {
      for (const format of ['markdown', 'html', 'text']) {
        const body = await exported(format)
        expect(body, format).not.toContain('Comments')
        expect(body, format).not.toContain('42</b>')
      }
      expect(JSON.parse(await exported('json'))).not.toHaveProperty('comments')
    })

    it('lists the threads after the text with ?comments=1, escaped for the format', async () => {
      const markdown = await exported('markdown', '&comments=1')
      expect(markdown).toMatch(/^The number is 42\.\n\n## Comments\n/)
      expect(markdown).toContain('### 1. On: The number')
      expect(markdown).toContain('**Ann (unverified)**')
      expect(markdown).toContain('Is \\<b\\>42\\</b\\> & right?')
      expect(markdown).toContain('Yes \\*really\\*')
      expect(markdown).toContain('  \\# not a heading')
      expect(markdown).toContain('  1\\. not a list')

      const html = await exported('html', '&comments=1')
      expect(html).toContain('<h2>Comments</h2>')
      expect(html).toContain('<blockquote>The number</blockquote>')
      expect(html).toContain('Is &lt;b&gt;42&lt;/b&gt; &amp; right?')
      expect(html).not.toContain('<b>42</b>')
      expect(html.indexOf('The number is 42.')).toBeLessThan(html.indexOf('<h2>Comments</h2>'))

      const text = await exported('text', '&comments=1')
      expect(text).toContain('Comments\n========')
      expect(text).toContain('1. On "The number"')
      expect(text).toContain('Is <b>42</b> & right?')
      expect(text).toContain('Bob (unverified), ')

      const json = JSON.parse(await exported('json', '&comments=1')) as { type: string; comments: Thread[] }
      expect(json.type).toBe('doc')
      expect(json.comments.map((t) => t.comments.map((c) => c.body))).toEqual([
        ['Is <b>42</b> & right?', 'Yes *really*\n# not a heading\n1. not a list'],
      ])
    })

    it('gives an export with comments its own ETag, which changes with the threads', async () => {
      const plain = await api('/api/docs/notes/content?format=text')
      const withComments = await api('/api/docs/notes/content?format=text&comments=1')
      const etag = withComments.headers.get('etag')!
      expect(etag).not.toBe(plain.headers.get('etag'))
      expect(
        (await api('/api/docs/notes/content?format=text&comments=1', { headers: { 'if-none-match': etag } })).status,
      ).toBe(304)
      await post({ body: 'another' })
      expect(
        (await api('/api/docs/notes/content?format=text&comments=1', { headers: { 'if-none-match': etag } })).status,
      ).toBe(200)
    })
  })

  describe('limits', () => {
    beforeEach(() => start({ limits: { maxThreadsPerDocument: 2, maxCommentsPerThread: 3, commentsPerMinute: 6 } }))

    it('refuses threads beyond the document limit and comments beyond the thread limit with 413', async () => {
      const { thread } = (await (await post({ body: 'one' })).json()) as { thread: Thread }
      await post({ body: 'two' })
      const third = await post({ body: 'three' })
      expect(third.status).toBe(413)
      expect(((await third.json()) as { message: string }).message).toMatch(/has 2 comment threads, the most allowed/)
      const reply = (body: string) =>
        api(`${threadsPath}/${thread.id}/comments`, { method: 'POST', body: { body }, author: ANN })
      expect((await reply('r1')).status).toBe(201)
      expect((await reply('r2')).status).toBe(201)
      const over = await reply('r3')
      expect(over.status).toBe(413)
      expect(((await over.json()) as { message: string }).message).toMatch(/has 3 comments, the most allowed/)
    })
  })

  describe('rate', () => {
    beforeEach(() => start({ limits: { commentsPerMinute: 3 } }))

    it('refuses a writer over the per-minute rate with 429 and a sentence; re-sent writes cost nothing', async () => {
      const statuses: number[] = []
      for (let i = 0; i < 3; i++) statuses.push((await post({ id: `rated-thread-${i}`, body: `t${i}` })).status)
      // Re-sending a write already made is idempotent and spends no budget.
      statuses.push((await post({ id: 'rated-thread-0', body: 't0' })).status)
      const over = await post({ body: 'one too many' })
      statuses.push(over.status)
      expect(statuses).toEqual([201, 201, 201, 200, 429])
      expect(await over.json()).toEqual({
        error: 'rate-limited',
        message: 'you are commenting too fast (at most 3 a minute); wait a moment and try again',
      })
      // Without a token that names a person the budget is the address's: a new browser id gets no fresh one.
      expect((await post({ body: 'other browser' }, BOB)).status).toBe(429)
    })
  })
})

describe('comments REST API with AUTH_SECRET', () => {
  const SECRET = 'threads-api-secret-that-is-long-enough'
  let running: RunningServer
  const api = client(() => running)
  const token = (role: Role, extra: { name?: string; userId?: string } = {}) =>
    mintToken({ secret: SECRET, doc: 'signed', role, ...extra })
  const threadsPath = '/api/docs/signed/threads'

  beforeEach(async () => {
    running = await startServer({ authSecret: SECRET })
    await api('/api/docs', { method: 'POST', body: { id: 'signed', markdown: 'text' }, token: await token('edit') })
  })
  afterEach(async () => {
    await running.close()
  })

  it('needs a token to read threads', async () => {
    expect((await api(threadsPath)).status).toBe(401)
    expect((await fetch(`${running.httpUrl}${threadsPath}?token=${await token('view')}`)).status).toBe(200)
  })

  it('takes the author from a token that names a person, verified, whatever the headers claim', async () => {
    const ann = await token('comment', { name: 'Ann', userId: 'user-ann' })
    const response = await api(threadsPath, { method: 'POST', body: { body: 'signed' }, token: ann, author: BOB })
    expect(((await response.json()) as { thread: Thread }).thread.comments[0]!.author).toEqual({
      id: 'user-ann',
      name: 'Ann',
      isVerified: true,
    })
  })

  it('takes the browser claim, unverified, from a token without a name (a shared link)', async () => {
    const link = await token('comment')
    const response = await api(threadsPath, { method: 'POST', body: { body: 'from a link' }, token: link, author: BOB })
    expect(((await response.json()) as { thread: Thread }).thread.comments[0]!.author).toEqual({
      id: 'browser-bob',
      name: 'Bob',
      isVerified: false,
    })
  })

  it('does not let a browser claim a signed-in author id to edit their comment', async () => {
    const ann = await token('comment', { name: 'Ann', userId: 'user-ann' })
    const { thread } = (await (
      await api(threadsPath, { method: 'POST', body: { body: 'mine' }, token: ann })
    ).json()) as {
      thread: Thread
    }
    const commentPath = `${threadsPath}/${thread.id}/comments/${thread.comments[0]!.id}`
    const impostor = await api(commentPath, {
      method: 'PATCH',
      body: { body: 'not yours' },
      token: await token('edit'),
      author: { id: 'user-ann', name: 'Ann' },
    })
    expect(impostor.status).toBe(403)
    const own = await api(commentPath, { method: 'PATCH', body: { body: 'still mine' }, token: ann })
    expect(own.status).toBe(200)
    // Another token of the same person (same sub) is the same author.
    const later = await token('comment', { name: 'Ann', userId: 'user-ann' })
    expect((await api(commentPath, { method: 'DELETE', token: later })).status).toBe(200)
  })
})

describe('tandem backup', () => {
  it('holds the comment threads (the backup is a copy of the SQLite file)', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'tandem-comments-backup-'))
    const restoreDir = await mkdtemp(path.join(tmpdir(), 'tandem-comments-restore-'))
    try {
      const storage = openSqliteStorage({ dataDir })
      await storage.docs.create('backed-up' as never, '')
      await storage.comments.createThread('backed-up', {
        id: 'thread-1',
        quote: 'q',
        anchor: ANCHOR,
        comment: { id: 'c1', body: 'keep me', author: { id: 'a', name: 'Ann', isVerified: true }, at: 1_000 },
      })
      await storage.backup(path.join(restoreDir, 'tandem.db'))
      await storage.close()
      const restored = openSqliteStorage({ dataDir: restoreDir })
      try {
        expect(await restored.comments.listThreads('backed-up')).toEqual([
          expect.objectContaining({
            id: 'thread-1',
            anchor: ANCHOR,
            comments: [expect.objectContaining({ body: 'keep me' })],
          }),
        ])
      } finally {
        await restored.close()
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true })
      await rm(restoreDir, { recursive: true, force: true })
    }
  })
})
