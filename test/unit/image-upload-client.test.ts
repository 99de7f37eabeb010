import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  imageAddress,
  uploadImage,
  UploadRefused,
  UploadUnreachable,
} from '../../client/editor/images/upload-client.js'
import { mintToken } from '../../server/auth/tokens.js'
import type { Role } from '../../shared/roles.js'
import { png, SVG } from '../fixtures/images.js'
import { startServer, type RunningServer } from '../helpers/test-server.js'

const SECRET = 'image-upload-client-secret-0123456789abcdef'

describe('the image upload client, against a real server', () => {
  let running: RunningServer
  const token = (role: Role) => mintToken({ secret: SECRET, doc: 'doc', role, name: 'Ann' })

  beforeAll(async () => {
    running = await startServer({ authSecret: SECRET })
    await running.server.documents.create({ docId: 'doc' })
  })
  afterAll(async () => {
    await running.close()
  })

  it('uploads the bytes with an edit token and gets a token-free URL the reader can load with its own token', async () => {
    const progress: number[] = []
    const image = await uploadImage({
      httpBase: running.httpUrl,
      docId: 'doc',
      body: new Blob([png(5, 3)], { type: 'image/png' }),
      token: await token('edit'),
      onProgress: (fraction) => progress.push(fraction),
    })
    expect(image).toMatchObject({ type: 'image/png', width: 5, height: 3 })
    expect(image.url).toMatch(/^\/api\/docs\/doc\/files\/[0-9a-f]{64}$/)
    expect(progress.at(-1)).toBe(1)

    const viewToken = await token('view')
    const read = await fetch(imageAddress(image.url, running.httpUrl, viewToken))
    expect(read.status).toBe(200)
    expect(read.headers.get('content-type')).toBe('image/png')
    expect((await fetch(imageAddress(image.url, running.httpUrl, undefined))).status).toBe(401)
  })

  it("rejects with the server's sentence: SVG (415), a view token (403), no token (401)", async () => {
    const attempt = async (body: Blob, tokenValue?: string) =>
      uploadImage({ httpBase: running.httpUrl, docId: 'doc', body, token: tokenValue }).catch((error: unknown) => error)

    const svg = await attempt(new Blob([SVG], { type: 'image/svg+xml' }), await token('edit'))
    expect(svg).toBeInstanceOf(UploadRefused)
    expect(svg).toMatchObject({ status: 415, code: 'unsupported-media-type' })
    expect((svg as Error).message.length).toBeGreaterThan(10)

    const viewOnly = await attempt(new Blob([png(2, 2)], { type: 'image/png' }), await token('view'))
    expect(viewOnly).toMatchObject({
      status: 403,
      code: 'read-only',
      message: expect.stringMatching(/cannot upload images/),
    })

    expect(await attempt(new Blob([png(2, 2)], { type: 'image/png' }))).toMatchObject({ status: 401 })
  })

  it('reports an unreachable server as worth retrying, not as a refusal', async () => {
    const error = await uploadImage({
      httpBase: 'http://127.0.0.1:1',
      docId: 'doc',
      body: new Blob([png(2, 2)], { type: 'image/png' }),
    }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(UploadUnreachable)
  })
})

describe('imageAddress', () => {
  it("adds the reader's token to the server's own files only", () => {
    const file = `/api/docs/d/files/${'0123456789abcdef'.repeat(4)}`
    expect(imageAddress(file, 'https://t.example', 'x y')).toBe(`https://t.example${file}?token=x%20y`)
    expect(imageAddress(file, 'https://t.example', undefined)).toBe(`https://t.example${file}`)
    expect(imageAddress('https://cdn.example/cat.png', 'https://t.example', 'secret')).toBe(
      'https://cdn.example/cat.png',
    )
    expect(imageAddress('//cdn.example/cat.png', 'https://t.example', 'secret')).toBe('//cdn.example/cat.png')
  })

  it('never sends the token to another path of the server a crafted src names', () => {
    const file = `/api/docs/d/files/${'a'.repeat(64)}`
    expect(imageAddress(file, 'https://t.example/prefix', 'tok')).toBe(`https://t.example/prefix${file}?token=tok`)
    for (const src of [
      '/api/docs/d/content?format=json',
      '/api/docs/d/files/ab',
      `${file}?x=1`,
      '/auth/login',
      '/d/other',
    ]) {
      expect(imageAddress(src, 'https://t.example', 'tok'), src).toBe(`https://t.example${src}`)
    }
  })
})
