import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { stockProvider, synced } from '../helpers/clients.js'
import { startServer, type RunningServer } from '../helpers/test-server.js'
import { waitFor } from '../helpers/wait-for.js'

describe('REST API', () => {
  let running: RunningServer
  const api = (path: string, init?: RequestInit) => fetch(`${running.httpUrl}${path}`, init)
  const post = (path: string, body: unknown) =>
    api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })

  beforeEach(async () => {
    running = await startServer()
  })
  afterEach(async () => {
    await running.close()
  })

  it('R-SERVER-CREATE: creates a document from Markdown on the server and renders it in every format', async () => {
    const created = await post('/api/docs', { id: 'notes', title: 'Team notes', markdown: '# Plan\n\nShip **it**.' })
    expect(created.status).toBe(201)
    expect(created.headers.get('location')).toBe('/api/docs/notes')
    expect(await created.json()).toMatchObject({ id: 'notes', title: 'Team notes' })

    expect(await (await api('/api/docs/notes/content?format=markdown')).text()).toBe('# Plan\n\nShip **it**.\n')
    expect(await (await api('/api/docs/notes/content?format=html')).text()).toBe(
      '<h1>Plan</h1><p>Ship <strong>it</strong>.</p>',
    )
    expect(await (await api('/api/docs/notes/content?format=text')).text()).toBe('Plan\nShip it.\n')
    const json = (await (await api('/api/docs/notes/content?format=json')).json()) as { type: string }
    expect(json.type).toBe('doc')
  })

  it('generates an id when none is given', async () => {
    const created = (await (await post('/api/docs', { title: 'Untitled' })).json()) as { id: string }
    expect(created.id).toMatch(/^[A-Za-z0-9_-]{12}$/)
  })

  it('answers 304 to a poll with a current ETag, and 200 once the document changed', async () => {
    await post('/api/docs', { id: 'polled', markdown: 'first' })
    const first = await api('/api/docs/polled/content?format=text')
    const etag = first.headers.get('etag')!
    expect(etag).toBeTruthy()
    const unchanged = await api('/api/docs/polled/content?format=text', { headers: { 'if-none-match': etag } })
    expect(unchanged.status).toBe(304)

    const editor = stockProvider(running.wsUrl, 'polled')
    await synced(editor.provider)
    editor.doc.getXmlFragment('default').insert(0, [new (await import('yjs')).XmlElement('paragraph')])
    const changed = await waitFor(async () => {
      const response = await api('/api/docs/polled/content?format=text', { headers: { 'if-none-match': etag } })
      return response.status === 200 ? response : null
    })
    expect(changed.headers.get('etag')).not.toBe(etag)
    editor.destroy()
  })

  it('lists documents by last change, renames and deletes them', async () => {
    await post('/api/docs', { id: 'older', title: 'Older' })
    await new Promise((resolve) => setTimeout(resolve, 5))
    await post('/api/docs', { id: 'newer', title: 'Newer' })
    const list = (await (await api('/api/docs')).json()) as { documents: { id: string }[] }
    expect(list.documents.map((d) => d.id)).toEqual(['newer', 'older'])

    const renamed = await api('/api/docs/older', {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Renamed' }),
    })
    expect(await renamed.json()).toMatchObject({ id: 'older', title: 'Renamed' })
    const info = (await (await api('/api/docs/older')).json()) as Record<string, unknown>
    expect(Object.keys(info).sort()).toEqual(['createdAt', 'id', 'sizeBytes', 'title', 'updatedAt'])

    expect((await api('/api/docs/older', { method: 'DELETE' })).status).toBe(204)
    expect((await api('/api/docs/older')).status).toBe(404)
    expect((await api('/api/docs/older', { method: 'DELETE' })).status).toBe(404)
  })

  it('closes connected editors with 4404 when their document is deleted', async () => {
    await post('/api/docs', { id: 'doomed' })
    const editor = stockProvider(running.wsUrl, 'doomed')
    await synced(editor.provider)
    const closed = new Promise<number>((resolve) =>
      editor.provider.on('connection-close', (event: { code: number } | null) => resolve(event?.code ?? 0)),
    )
    await api('/api/docs/doomed', { method: 'DELETE' })
    expect(await closed).toBe(4404)
    editor.destroy()
  })

  it.each([
    ['a bad id', () => api('/api/docs/no.dots'), 400, 'invalid-doc-id'],
    ['an unknown document', () => api('/api/docs/unknown'), 404, 'not-found'],
    ['content of an unknown document', () => api('/api/docs/unknown/content'), 404, 'not-found'],
    ['an unknown format', () => api('/api/docs/x/content?format=pdf'), 400, 'bad-request'],
    [
      'a duplicate id',
      async () => (await post('/api/docs', { id: 'dup' }), post('/api/docs', { id: 'dup' })),
      409,
      'already-exists',
    ],
    ['unknown fields', () => post('/api/docs', { id: 'x', colour: 'red' }), 400, 'bad-request'],
    ['markdown and html at once', () => post('/api/docs', { markdown: 'a', html: '<p>a</p>' }), 400, 'bad-request'],
    [
      'invalid JSON',
      () => api('/api/docs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{oops' }),
      400,
      'bad-request',
    ],
    ['a title too long', () => post('/api/docs', { title: 'x'.repeat(201) }), 400, 'bad-request'],
    ['an unknown route', () => api('/api/nothing'), 404, 'not-found'],
  ])('answers %s with a clear error', async (_name, request, status, code) => {
    const response = await request()
    expect(response.status).toBe(status)
    const body = (await response.json()) as { error: string; message: string }
    expect(body.error).toBe(code)
    expect(body.message.length).toBeGreaterThan(5)
  })

  it('answers 413 to a body above the limit', async () => {
    const response = await post('/api/docs', { markdown: 'x'.repeat(3 * 1024 * 1024) })
    expect(response.status).toBe(413)
  })
})

describe('operations endpoints', () => {
  let running: RunningServer
  beforeEach(async () => {
    running = await startServer()
  })
  afterEach(async () => {
    await running.close()
  })

  it('reports health, readiness and metrics', async () => {
    expect(await (await fetch(`${running.httpUrl}/healthz`)).json()).toEqual({ status: 'pass', version: '0.1.0' })
    const ready = await fetch(`${running.httpUrl}/readyz`)
    expect(ready.status).toBe(200)
    expect(await ready.json()).toMatchObject({ status: 'pass', checks: { storage: 'ok' } })

    const client = stockProvider(running.wsUrl, 'metered')
    await synced(client.provider)
    client.text.insert(0, 'count me')
    await waitFor(async () => (await running.server.store.load('metered' as never)).entries.length === 1)
    const metrics = await (await fetch(`${running.httpUrl}/metrics`)).text()
    expect(metrics).toMatch(/tandem_connections\{transport="websocket"\} 1/)
    expect(metrics).toMatch(/tandem_open_documents 1/)
    expect(metrics).toMatch(/tandem_updates_in_total [1-9]/)
    expect(metrics).toMatch(/tandem_persist_seconds_count [1-9]/)
    expect(metrics).toMatch(/tandem_nodejs_eventloop_lag_seconds/)
    client.destroy()
  })

  it('turns readyz to 503 while draining', async () => {
    const closing = running.server.close()
    const ready = await fetch(`${running.httpUrl}/readyz`).catch(() => null)
    if (ready) expect(ready.status).toBe(503)
    await closing
  })
})

describe('ALLOWED_ORIGINS', () => {
  let running: RunningServer
  beforeEach(async () => {
    running = await startServer({ allowedOrigins: ['https://docs.example.com'] })
  })
  afterEach(async () => {
    await running.close()
  })

  it('sends CORS headers to an allowed origin and 403 to others', async () => {
    const allowed = await fetch(`${running.httpUrl}/api/docs`, { headers: { origin: 'https://docs.example.com' } })
    expect(allowed.status).toBe(200)
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://docs.example.com')
    expect(allowed.headers.get('vary')).toBe('Origin')
    const refused = await fetch(`${running.httpUrl}/api/docs`, { headers: { origin: 'https://evil.example' } })
    expect(refused.status).toBe(403)
  })

  it('applies the same policy to the HTTP fallback transports, which are served ahead of express', async () => {
    const sid = 'cors-session-0000000001'
    const events = await fetch(`${running.httpUrl}/collab/doc/events?sid=${sid}`, {
      headers: { origin: 'https://evil.example' },
    })
    expect(events.status).toBe(403)
    expect(await events.json()).toEqual({
      error: 'forbidden-origin',
      message: 'origin https://evil.example is not in ALLOWED_ORIGINS',
    })
    const poll = await fetch(`${running.httpUrl}/collab/doc/poll?sid=${sid}`, {
      headers: { origin: 'https://docs.example.com' },
    })
    expect(poll.status).toBe(200)
    expect(poll.headers.get('access-control-allow-origin')).toBe('https://docs.example.com')
    expect(poll.headers.get('access-control-expose-headers')).toBe('Tandem-Cursor')
  })

  it('refuses a WebSocket from another origin with close 4403 and the reason (a browser cannot read a 403 upgrade)', async () => {
    const { default: WebSocket } = await import('ws')
    const ws = new WebSocket(`${running.wsUrl}/doc`, { origin: 'https://evil.example' })
    const closed = await new Promise<{ code: number; reason: string }>((resolve) => {
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }))
    })
    expect(closed).toEqual({
      code: 4403,
      reason: 'forbidden-origin: origin https://evil.example is not in ALLOWED_ORIGINS',
    })
  })
})
