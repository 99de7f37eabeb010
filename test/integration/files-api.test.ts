import { createHash } from 'node:crypto'
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises'
import http from 'node:http'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { mintToken } from '../../server/auth/tokens.js'
import { checkDocId } from '../../server/documents/document-service.js'
import type { Role } from '../../shared/roles.js'
import { openPostgresStorage } from '../../server/storage/postgres/postgres-storage.js'
import { openSqliteStorage, type SqliteStorage } from '../../server/storage/sqlite/sqlite-storage.js'
import { createTestDatabase, type TestDatabase } from '../cluster/helpers/postgres-database.js'
import {
  GIF_16,
  HTML_DRESSED_AS_PNG,
  JPEG_16,
  png,
  pngClaiming,
  PNG_SIGNATURE_THEN_HTML,
  SVG,
  WEBP_16,
  WEBP_LOSSLESS_1,
  WEBP_LOSSY_1,
} from '../fixtures/images.js'
import { runCli } from '../helpers/child-server.js'
import { startServer, type RunningServer } from '../helpers/test-server.js'

const SECRET = 'files-api-test-secret-0123456789abcdef'
const MiB = 1024 * 1024

interface Uploaded {
  url: string
  type: string
  width: number
  height: number
  sizeBytes: number
}

async function upload(
  server: RunningServer,
  docId: string,
  bytes: Uint8Array,
  options: { type?: string; token?: string } = {},
): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': options.type ?? 'image/png' }
  if (options.token) headers.authorization = `Bearer ${options.token}`
  return fetch(`${server.httpUrl}/api/docs/${docId}/files`, { method: 'POST', headers, body: bytes })
}

async function uploaded(response: Response): Promise<Uploaded> {
  expect(response.status, await response.clone().text()).toBe(201)
  return (await response.json()) as Uploaded
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')

/** Streams `totalBytes` from a generator without Content-Length; resolves with the answer and the peak memory seen while sending. */
function streamUpload(
  url: string,
  totalBytes: number,
): Promise<{ status: number; body: string; peakArrayBuffers: number; peakRss: number; sentAtAnswer: number }> {
  const chunk = Buffer.alloc(64 * 1024, 0x41)
  let peakArrayBuffers = 0
  let peakRss = 0
  let sentBytes = 0
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'POST', headers: { 'content-type': 'image/png' } })
    request.on('error', () => undefined) // the server closes the connection once it has answered
    request.on('response', (response) => {
      const sentAtAnswer = sentBytes
      let body = ''
      response.setEncoding('utf8')
      response.on('data', (text: string) => (body += text))
      response.on('end', () => resolve({ status: response.statusCode!, body, peakArrayBuffers, peakRss, sentAtAnswer }))
      response.on('error', reject)
    })
    const sendMore = () => {
      while (sentBytes < totalBytes && !request.destroyed) {
        const { arrayBuffers, rss } = process.memoryUsage()
        peakArrayBuffers = Math.max(peakArrayBuffers, arrayBuffers)
        peakRss = Math.max(peakRss, rss)
        sentBytes += chunk.byteLength
        if (!request.write(chunk)) {
          request.once('drain', sendMore)
          return
        }
      }
      if (!request.destroyed) request.end()
    }
    sendMore()
  })
}

describe('files API without AUTH_SECRET (SQLite)', () => {
  let dir: string
  let storage: SqliteStorage
  let running: RunningServer

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tandem-files-'))
    storage = openSqliteStorage({ dataDir: dir })
    running = await startServer({ storage })
    await running.server.documents.create({ docId: 'doc' })
    await running.server.documents.create({ docId: 'other' })
  })
  afterEach(async () => {
    await running.close()
    await rm(dir, { recursive: true, force: true })
  })

  it.each([
    ['PNG', png(3, 2), 'image/png', 3, 2],
    ['JPEG', JPEG_16, 'image/jpeg', 16, 16],
    ['GIF', GIF_16, 'image/gif', 16, 16],
    ['WebP (VP8X)', WEBP_16, 'image/webp', 16, 16],
    ['WebP (VP8)', WEBP_LOSSY_1, 'image/webp', 1, 1],
    ['WebP (VP8L)', WEBP_LOSSLESS_1, 'image/webp', 1, 1],
  ])(
    'takes a %s and serves it back with its sniffed type and safe headers',
    async (_name, bytes, type, width, height) => {
      // The declared type is ignored: the bytes decide.
      const response = await upload(running, 'doc', bytes, { type: 'application/octet-stream' })
      expect(response.headers.get('location')).toBe(`/api/docs/doc/files/${sha256(bytes)}`)
      const file = await uploaded(response)
      expect(file).toEqual({
        url: `/api/docs/doc/files/${sha256(bytes)}`,
        type,
        width,
        height,
        sizeBytes: bytes.length,
      })

      const read = await fetch(`${running.httpUrl}${file.url}`)
      expect(read.status).toBe(200)
      expect(read.headers.get('content-type')).toBe(type)
      expect(read.headers.get('x-content-type-options')).toBe('nosniff')
      expect(read.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox")
      expect(read.headers.get('cache-control')).toBe('private, max-age=31536000, immutable')
      expect(read.headers.get('etag')).toBe(`"${sha256(bytes)}"`)
      expect(Buffer.compare(Buffer.from(await read.arrayBuffer()), Buffer.from(bytes))).toBe(0)

      const again = await fetch(`${running.httpUrl}${file.url}`, { headers: { 'if-none-match': `"${sha256(bytes)}"` } })
      expect(again.status).toBe(304)
    },
  )

  it.each([
    ['HTML dressed as PNG', HTML_DRESSED_AS_PNG],
    ['a PNG signature followed by HTML', PNG_SIGNATURE_THEN_HTML],
    ['SVG', SVG],
    ['a truncated PNG', png(8, 8).subarray(0, 60)],
    ['a truncated JPEG', JPEG_16.subarray(0, JPEG_16.length - 2)],
  ])('refuses %s with 415 and a sentence, storing nothing', async (_name, bytes) => {
    const response = await upload(running, 'doc', bytes, { type: 'image/png' })
    expect(response.status).toBe(415)
    const body = (await response.json()) as { error: string; message: string }
    expect(body.error).toBe('unsupported-media-type')
    expect(body.message).toMatch(/only PNG, JPEG, GIF and WebP|damaged or incomplete/)
    expect(await storage.files.usage()).toEqual({ files: 0, bytes: 0 })
  })

  it('refuses a huge-dimension PNG (header only) with 413', async () => {
    const response = await upload(running, 'doc', pngClaiming(100_000, 100_000))
    expect(response.status).toBe(413)
    expect(await response.json()).toMatchObject({ error: 'file-too-large', message: /100000 × 100000 pixels/ })
  })

  it('refuses a multipart form with 415 naming what to send instead', async () => {
    const form = new FormData()
    form.append('file', new Blob([png(2, 2)], { type: 'image/png' }), 'a.png')
    const response = await fetch(`${running.httpUrl}/api/docs/doc/files`, { method: 'POST', body: form })
    expect(response.status).toBe(415)
    expect(await response.json()).toMatchObject({ message: /bytes as the request body/ })
  })

  it('creates a document with no content yet on an upload (a new document whose first act is a pasted image)', async () => {
    const response = await upload(running, 'first-act-is-an-image', png(2, 2))
    expect(response.status).toBe(201)
    const { url } = (await response.json()) as { url: string }
    expect((await fetch(`${running.httpUrl}${url}`)).status).toBe(200)
    expect((await fetch(`${running.httpUrl}/api/docs/first-act-is-an-image`)).status).toBe(200)
  })

  it('answers 404 for an unknown file and a malformed file id', async () => {
    const missing = await fetch(`${running.httpUrl}/api/docs/doc/files/${'0'.repeat(64)}`)
    expect(missing.status).toBe(404)
    // Not cacheable: the file may be uploaded a moment later.
    expect(missing.headers.get('cache-control') ?? '').not.toMatch(/max-age/)
    expect((await fetch(`${running.httpUrl}/api/docs/doc/files/..%2F..%2Fetc`)).status).toBe(404)
    expect((await upload(running, 'bad.id', png(2, 2))).status).toBe(400)
  })

  it('stores the same bytes once: the same url twice, one row', async () => {
    const bytes = png(5, 5)
    const first = await uploaded(await upload(running, 'doc', bytes))
    const second = await uploaded(await upload(running, 'doc', bytes))
    expect(second.url).toBe(first.url)
    const third = await uploaded(await upload(running, 'other', bytes))
    expect(third.url).toBe(`/api/docs/other/files/${sha256(bytes)}`)
    expect(await storage.files.usage()).toEqual({ files: 1, bytes: bytes.length })
  })

  it('serves a file only through a document that uses it', async () => {
    const file = await uploaded(await upload(running, 'doc', png(4, 4)))
    const foreign = file.url.replace('/docs/doc/', '/docs/other/')
    expect((await fetch(`${running.httpUrl}${foreign}`)).status).toBe(404)
    // Nor does a 304 confirm it exists there.
    const etag = `"${sha256(png(4, 4))}"`
    expect((await fetch(`${running.httpUrl}${foreign}`, { headers: { 'if-none-match': etag } })).status).toBe(404)
  })

  it('deleting a document frees its files and keeps one another document still uses', async () => {
    const shared = png(6, 6, 1)
    const own = png(6, 6, 2)
    const sharedUrl = (await uploaded(await upload(running, 'doc', shared))).url
    const ownUrl = (await uploaded(await upload(running, 'doc', own))).url
    const otherUrl = (await uploaded(await upload(running, 'other', shared))).url
    expect(await storage.files.usage()).toMatchObject({ files: 2 })

    expect((await fetch(`${running.httpUrl}/api/docs/doc`, { method: 'DELETE' })).status).toBe(204)
    expect((await fetch(`${running.httpUrl}${sharedUrl}`)).status).toBe(404)
    expect((await fetch(`${running.httpUrl}${ownUrl}`)).status).toBe(404)
    expect((await fetch(`${running.httpUrl}${otherUrl}`)).status).toBe(200)
    expect(await storage.files.usage()).toEqual({ files: 1, bytes: shared.length })
  })

  it('keeps a file that only a kept version still shows; restoring the version shows it again', async () => {
    const bytes = png(5, 4, 9)
    const { url } = await uploaded(await upload(running, 'doc', bytes))
    const markdownOf = async () => (await fetch(`${running.httpUrl}/api/docs/doc/content?format=markdown`)).text()
    await running.server.documents.importContent(
      'doc',
      { source: `Before\n\n![pic](${url})`, format: 'markdown' },
      true,
    )
    const doc = checkDocId('doc')
    const version = await running.server.history.createNamed(doc, 'with the picture')
    await running.server.documents.importContent('doc', { source: 'No picture now.', format: 'markdown' }, true)
    expect(await markdownOf()).not.toContain(url)

    // Only the version refers to it now: still stored and served.
    expect(await storage.files.usage()).toEqual({ files: 1, bytes: bytes.length })
    const read = await fetch(`${running.httpUrl}${url}`)
    expect(read.status).toBe(200)
    expect(Buffer.compare(Buffer.from(await read.arrayBuffer()), bytes)).toBe(0)
    expect((await running.server.history.render(doc, version.id, 'json')).body).toContain(`"src":"${url}"`)

    await running.server.history.restore(doc, version.id)
    expect(await markdownOf()).toContain(url)
    expect((await fetch(`${running.httpUrl}${url}`)).status).toBe(200)

    // The document and its versions go together, and the file with them.
    expect((await fetch(`${running.httpUrl}/api/docs/doc`, { method: 'DELETE' })).status).toBe(204)
    expect(await storage.files.usage()).toEqual({ files: 0, bytes: 0 })
  })

  it('refuses a declared Content-Length above MAX_UPLOAD_BYTES with 413 before reading it', async () => {
    const response = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = http.request(`${running.httpUrl}/api/docs/doc/files`, {
        method: 'POST',
        headers: { 'content-type': 'image/png', 'content-length': String(50 * MiB) },
      })
      request.on('error', () => undefined)
      request.on('response', (answer) => {
        let body = ''
        answer.on('data', (chunk: Buffer) => (body += chunk.toString()))
        answer.on('end', () => resolve({ status: answer.statusCode!, body }))
        answer.on('error', reject)
      })
      request.write(Buffer.alloc(1024))
    })
    expect(response.status).toBe(413)
    expect(JSON.parse(response.body)).toMatchObject({ error: 'file-too-large', message: /MAX_UPLOAD_BYTES/ })
  })

  it('refuses a 50 MB streamed body with 413 as soon as it passes the cap, memory staying flat', async () => {
    const before = process.memoryUsage()
    const result = await streamUpload(`${running.httpUrl}/api/docs/doc/files`, 50 * MiB)
    expect(result.status).toBe(413)
    expect(JSON.parse(result.body)).toMatchObject({ error: 'file-too-large' })
    // Answered near the 10 MiB cap, long before all 50 MB went out (socket buffers aside).
    expect(result.sentAtAnswer).toBeLessThan(30 * MiB)
    // At most the cap is held (plus buffers awaiting collection), never the whole body.
    expect(result.peakArrayBuffers - before.arrayBuffers).toBeLessThan(20 * MiB)
    expect(result.peakRss - before.rss).toBeLessThan(40 * MiB)
    // The server still answers.
    expect((await upload(running, 'doc', png(2, 2))).status).toBe(201)
  })

  it('rate limits uploads per author (429 with a sentence)', async () => {
    await running.close()
    running = await startServer({
      storage: (storage = openSqliteStorage({ dataDir: dir })),
      limits: { uploadsPerMinute: 2 },
    })
    expect((await upload(running, 'doc', png(2, 2, 1))).status).toBe(201)
    expect((await upload(running, 'doc', png(2, 2, 2))).status).toBe(201)
    const third = await upload(running, 'doc', png(2, 2, 3))
    expect(third.status).toBe(429)
    expect(await third.json()).toMatchObject({ error: 'rate-limited', message: /uploading too fast/ })
  })
})

describe('files API with AUTH_SECRET', () => {
  let running: RunningServer
  const token = (doc: string, role: Role) => mintToken({ secret: SECRET, doc, role, name: 'Ann' })

  beforeAll(async () => {
    running = await startServer({ authSecret: SECRET })
    await running.server.documents.create({ docId: 'doc' })
    await running.server.documents.create({ docId: 'other' })
  })
  afterAll(async () => {
    await running.close()
  })

  it('lets only an edit token of the document upload', async () => {
    expect((await upload(running, 'doc', png(2, 2), { token: await token('doc', 'edit') })).status).toBe(201)
    for (const role of ['comment', 'view'] as const) {
      const refused = await upload(running, 'doc', png(2, 2), { token: await token('doc', role) })
      expect(refused.status).toBe(403)
      expect(await refused.json()).toMatchObject({ error: 'read-only', message: /cannot upload images/ })
    }
    expect((await upload(running, 'doc', png(2, 2))).status).toBe(401)
    const foreign = await upload(running, 'doc', png(2, 2), { token: await token('other', 'edit') })
    expect(foreign.status).toBe(403)
    expect(await foreign.json()).toMatchObject({ error: 'forbidden' })
  })

  it('lets every role of the document read, by header or ?token=, and nobody else', async () => {
    const file = await uploaded(await upload(running, 'doc', png(3, 3), { token: await token('doc', 'edit') }))
    for (const role of ['view', 'comment', 'edit'] as const) {
      const viaQuery = await fetch(`${running.httpUrl}${file.url}?token=${await token('doc', role)}`)
      expect(viaQuery.status, role).toBe(200)
      expect(viaQuery.headers.get('content-type')).toBe('image/png')
      const viaHeader = await fetch(`${running.httpUrl}${file.url}`, {
        headers: { authorization: `Bearer ${await token('doc', role)}` },
      })
      expect(viaHeader.status, role).toBe(200)
    }
    expect((await fetch(`${running.httpUrl}${file.url}`)).status).toBe(401)
    expect((await fetch(`${running.httpUrl}${file.url}?token=${await token('other', 'edit')}`)).status).toBe(403)
    // Another document's own token, on that document's url for this file: it does not use the file.
    const foreignUrl = file.url.replace('/docs/doc/', '/docs/other/')
    expect((await fetch(`${running.httpUrl}${foreignUrl}?token=${await token('other', 'edit')}`)).status).toBe(404)
  })
})

describe('files API on PostgreSQL', () => {
  let database: TestDatabase
  beforeAll(async () => {
    database = await createTestDatabase()
  })
  afterAll(async () => {
    await database.drop()
  })

  it('two instances serve the same file', async () => {
    const first = await startServer({ storage: await openPostgresStorage({ connectionString: database.url }) })
    const second = await startServer({ storage: await openPostgresStorage({ connectionString: database.url }) })
    try {
      await first.server.documents.create({ docId: 'shared-doc' })
      const bytes = png(7, 3)
      const file = await uploaded(await upload(first, 'shared-doc', bytes))
      const read = await fetch(`${second.httpUrl}${file.url}`)
      expect(read.status).toBe(200)
      expect(Buffer.compare(Buffer.from(await read.arrayBuffer()), bytes)).toBe(0)
      // Deleted through the second, gone from the first.
      expect((await fetch(`${second.httpUrl}/api/docs/shared-doc`, { method: 'DELETE' })).status).toBe(204)
      expect((await fetch(`${first.httpUrl}${file.url}`)).status).toBe(404)
    } finally {
      await first.close()
      await second.close()
    }
  })
})

describe('files in a backup', () => {
  it(
    '`tandem backup` holds the files; a server on the restored data directory serves them',
    { timeout: 120_000 },
    async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'tandem-files-backup-'))
      try {
        const dataDir = path.join(dir, 'data')
        let running = await startServer({ storage: openSqliteStorage({ dataDir }) })
        await running.server.documents.create({ docId: 'doc' })
        const bytes = png(9, 9)
        const file = await uploaded(await upload(running, 'doc', bytes))
        const backupFile = path.join(dir, 'backup.db')
        const backup = await runCli(['backup', backupFile, '--data-dir', dataDir])
        expect(backup.code, backup.stderr).toBe(0)
        await running.close()

        const restoredDir = path.join(dir, 'restored')
        await mkdir(restoredDir)
        await copyFile(backupFile, path.join(restoredDir, 'tandem.db'))
        running = await startServer({ storage: openSqliteStorage({ dataDir: restoredDir }) })
        try {
          const read = await fetch(`${running.httpUrl}${file.url}`)
          expect(read.status).toBe(200)
          expect(Buffer.compare(Buffer.from(await read.arrayBuffer()), bytes)).toBe(0)
        } finally {
          await running.close()
        }
      } finally {
        await rm(dir, { recursive: true, force: true })
      }
    },
  )
})
