import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { mintToken } from '../../server/auth/tokens.js'
import { MemoryDocStore } from '../../server/storage/memory/memory-doc-store.js'
import { stockProvider, synced } from '../helpers/clients.js'
import { startServer, type RunningServer } from '../helpers/test-server.js'
import { waitFor } from '../helpers/wait-for.js'

interface VersionJson {
  id: number
  createdAt: string
  name: string | null
  authors: string[]
  sizeBytes: number
}

/** Editor content lives in the 'default' XmlFragment; plain text of it for assertions. */
function paragraphText(doc: Y.Doc): string {
  return doc
    .getXmlFragment('default')
    .toArray()
    .map((node) =>
      node instanceof Y.XmlElement
        ? node
            .toArray()
            .map((t) => (t as Y.XmlText).toString())
            .join('')
        : '',
    )
    .join('\n')
}

function setParagraph(doc: Y.Doc, text: string): void {
  const fragment = doc.getXmlFragment('default')
  doc.transact(() => {
    fragment.delete(0, fragment.length)
    const paragraph = new Y.XmlElement('paragraph')
    paragraph.insert(0, [new Y.XmlText(text)])
    fragment.insert(0, [paragraph])
  })
}

describe('version history', () => {
  let running: RunningServer
  let store: MemoryDocStore
  const cleanups: (() => void)[] = []
  const api = (path: string, init?: RequestInit) => fetch(`${running.httpUrl}${path}`, init)
  const json = (method: string, body?: unknown): RequestInit => ({
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const versions = async (docId: string) =>
    ((await (await api(`/api/docs/${docId}/versions`)).json()) as { versions: VersionJson[] }).versions

  beforeEach(async () => {
    store = new MemoryDocStore()
    running = await startServer({
      store,
      limits: { versionIdleMs: 150, versionMaxIntervalMs: 60_000, compactAfterRows: 5 },
    })
  })
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) cleanup()
    await running.close()
  })

  function client(docId: string, name: string, params?: Record<string, string>) {
    const c = stockProvider(running.wsUrl, docId, { params })
    c.provider.awareness.setLocalStateField('user', { name })
    cleanups.push(c.destroy)
    return c
  }

  it('records a version with its authors once editing settles', async () => {
    await api('/api/docs', json('POST', { id: 'settles' }))
    const ann = client('settles', 'Ann')
    await synced(ann.provider)
    setParagraph(ann.doc, 'first draft')
    const [version] = await waitFor(
      async () => {
        const list = await versions('settles')
        return list.length === 1 ? list : null
      },
      { description: 'one automatic version' },
    )
    expect(version).toMatchObject({ name: null, authors: ['Ann'] })
    expect(version!.sizeBytes).toBeGreaterThan(0)
    const content = await api(`/api/docs/settles/versions/${version!.id}?format=markdown`)
    expect(await content.text()).toBe('first draft\n')
  })

  it('names authors by the name their client gave when no token names them and presence stays off the server', async () => {
    await api('/api/docs', json('POST', { id: 'named-author' }))
    const quiet = stockProvider(running.wsUrl, 'named-author', { params: { name: 'Cleo' } })
    cleanups.push(quiet.destroy)
    await synced(quiet.provider)
    setParagraph(quiet.doc, 'written by Cleo')
    const [version] = await waitFor(async () => {
      const list = await versions('named-author')
      return list.length === 1 ? list : null
    })
    expect(version!.authors).toEqual(['Cleo'])
  })

  it('keeps a named version through compaction of the log', async () => {
    await api('/api/docs', json('POST', { id: 'kept', markdown: 'the original' }))
    const named = (await (
      await api('/api/docs/kept/versions', json('POST', { name: 'Before the rewrite' }))
    ).json()) as VersionJson
    expect(named.name).toBe('Before the rewrite')
    const writer = client('kept', 'Ben')
    await synced(writer.provider)
    // One turn's updates are stored as one row: pause between edits so the log passes the threshold.
    for (let i = 0; i < 12; i++) {
      setParagraph(writer.doc, `rewrite ${i}`)
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    await waitFor(async () => (await store.load('kept' as never)).entries[0]?.isSnapshot, { description: 'compacted' })
    const text = await (await api(`/api/docs/kept/versions/${named.id}?format=text`)).text()
    expect(text).toBe('the original\n')
  })

  it('restores a version live for every connected client, keeps all history, and can undo the restore', async () => {
    await api('/api/docs', json('POST', { id: 'restored', markdown: 'version one' }))
    const v1 = (await (await api('/api/docs/restored/versions', json('POST', { name: 'v1' }))).json()) as VersionJson
    const alice = client('restored', 'Alice')
    const bob = client('restored', 'Bob')
    await Promise.all([synced(alice.provider), synced(bob.provider)])
    setParagraph(alice.doc, 'version two')
    await waitFor(() => paragraphText(bob.doc) === 'version two')

    const restore = await api(`/api/docs/restored/versions/${v1.id}/restore`, json('POST'))
    expect(restore.status).toBe(200)
    const { savedBefore } = (await restore.json()) as { savedBefore: VersionJson }
    await waitFor(() => paragraphText(alice.doc) === 'version one' && paragraphText(bob.doc) === 'version one', {
      description: 'both clients see the restored content live',
    })

    // Nothing was lost: the state before the restore is itself a version, and restoring it undoes.
    const list = await versions('restored')
    expect(list.map((v) => v.id)).toEqual(expect.arrayContaining([v1.id, savedBefore.id]))
    expect(savedBefore.name).toMatch(/^Before restoring v1/)
    await api(`/api/docs/restored/versions/${savedBefore.id}/restore`, json('POST'))
    await waitFor(() => paragraphText(alice.doc) === 'version two' && paragraphText(bob.doc) === 'version two', {
      description: 'the restore was undone',
    })
  })

  it('names, unnames and deletes versions; named versions cannot be deleted', async () => {
    await api('/api/docs', json('POST', { id: 'naming', markdown: 'x' }))
    const version = (await (
      await api('/api/docs/naming/versions', json('POST', { name: 'Keep me' }))
    ).json()) as VersionJson
    const refused = await api(`/api/docs/naming/versions/${version.id}`, { method: 'DELETE' })
    expect(refused.status).toBe(400)
    expect(((await refused.json()) as { message: string }).message).toMatch(/remove its name/)
    await api(`/api/docs/naming/versions/${version.id}`, json('PATCH', { name: null }))
    expect((await api(`/api/docs/naming/versions/${version.id}`, { method: 'DELETE' })).status).toBe(204)
    // Only that version is gone (creating the document may have recorded an automatic one before it,
    // on a machine slow enough that the name came after the recorder's idle time).
    expect((await versions('naming')).map((v) => v.id)).not.toContain(version.id)
  })

  it('compares a version with now and with another version, naming who inserted and who deleted', async () => {
    await api('/api/docs', json('POST', { id: 'compared', markdown: 'one two' }))
    const v1 = (await (await api('/api/docs/compared/versions', json('POST', { name: 'v1' }))).json()) as VersionJson
    const ann = client('compared', 'Ann')
    const ben = client('compared', 'Ben')
    await Promise.all([synced(ann.provider), synced(ben.provider)])
    const text = (doc: Y.Doc) => (doc.getXmlFragment('default').get(0) as Y.XmlElement).get(0) as Y.XmlText
    text(ann.doc).insert(7, ' three')
    await waitFor(() => paragraphText(ben.doc) === 'one two three')
    text(ben.doc).delete(0, 4)
    await waitFor(() => paragraphText(ann.doc) === 'two three')
    // The server has applied both edits once its own rendering shows them.
    await waitFor(async () => (await (await api('/api/docs/compared/content?format=text')).text()) === 'two three\n')

    type Comparison = { older: VersionJson; newer: VersionJson | null; doc: unknown; authors: { name: string }[] }
    const withNow = (await (await api(`/api/docs/compared/versions/${v1.id}/compare/current`)).json()) as Comparison
    expect(withNow.older.id).toBe(v1.id)
    expect(withNow.newer).toBeNull()
    expect(withNow.authors.map((author) => author.name).sort()).toEqual(['Ann', 'Ben'])
    expect(withNow.doc).toEqual({
      type: 'doc',
      content: [
        {
          type: 'paragraph',
          content: [
            { type: 'text', text: 'one ', marks: [{ type: 'historyDeletion', attrs: { authorName: 'Ben' } }] },
            { type: 'text', text: 'two' },
            { type: 'text', text: ' three', marks: [{ type: 'historyInsertion', attrs: { authorName: 'Ann' } }] },
          ],
        },
      ],
    })

    // Between two versions, in either order, the older is the starting point.
    const v2 = (await (await api('/api/docs/compared/versions', json('POST', { name: 'v2' }))).json()) as VersionJson
    const between = (await (await api(`/api/docs/compared/versions/${v2.id}/compare/${v1.id}`)).json()) as Comparison
    expect([between.older.id, between.newer?.id]).toEqual([v1.id, v2.id])
    expect(between.doc).toEqual(withNow.doc)
    expect((await api(`/api/docs/compared/versions/${v1.id}/compare/999`)).status).toBe(404)
    expect((await api(`/api/docs/compared/versions/${v1.id}/compare/latest`)).status).toBe(400)
  })

  it.each([
    ['an unknown document', '/api/docs/nope/versions', 404],
    ['an unknown version', '/api/docs/exists/versions/999', 404],
    ['a malformed version id', '/api/docs/exists/versions/abc', 400],
    ['an unknown format', '/api/docs/exists/versions/1?format=pdf', 400],
  ])('answers %s with a clear error', async (_name, path, status) => {
    await api('/api/docs', json('POST', { id: 'exists' }))
    const response = await api(path)
    expect(response.status).toBe(status)
    expect(((await response.json()) as { message: string }).message.length).toBeGreaterThan(5)
  })
})

describe('version history with auth', () => {
  const secret = 'history-secret-long-enough-for-hs256-0123'
  let running: RunningServer
  afterEach(async () => running.close())

  it('lets view tokens list and read versions but not name, delete or restore them', async () => {
    running = await startServer({ authSecret: secret })
    const edit = await mintToken({ secret, doc: 'private', role: 'edit' })
    const view = await mintToken({ secret, doc: 'private', role: 'view' })
    const call = (token: string, path: string, method = 'GET', body?: unknown) =>
      fetch(`${running.httpUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
    await call(edit, '/api/docs', 'POST', { id: 'private', markdown: 'secret plans' })
    const version = (await (
      await call(edit, '/api/docs/private/versions', 'POST', { name: 'v1' })
    ).json()) as VersionJson
    expect((await call(view, '/api/docs/private/versions')).status).toBe(200)
    expect(await (await call(view, `/api/docs/private/versions/${version.id}?format=text`)).text()).toBe(
      'secret plans\n',
    )
    expect((await call(view, `/api/docs/private/versions/${version.id}/restore`, 'POST')).status).toBe(403)
    expect((await call(view, `/api/docs/private/versions/${version.id}`, 'PATCH', { name: 'x' })).status).toBe(403)
    expect((await call(view, '/api/docs/private/versions', 'POST', { name: 'x' })).status).toBe(403)
    expect((await fetch(`${running.httpUrl}/api/docs/private/versions`)).status).toBe(401)
    // Comparing is reading: view may, no token may not.
    const comparison = `/api/docs/private/versions/${version.id}/compare/current`
    expect((await call(view, comparison)).status).toBe(200)
    expect((await fetch(`${running.httpUrl}${comparison}`)).status).toBe(401)
  })
})
