import { createHash } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import http from 'node:http'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { mintToken } from '../../server/auth/tokens.js'
import { openSqliteStorage } from '../../server/storage/sqlite/sqlite-storage.js'
import { png } from '../fixtures/images.js'
import { runCli } from '../helpers/child-server.js'
import { startServer, type RunningServer } from '../helpers/test-server.js'

const SECRET = 'image-export-test-secret-0123456789abcdef'
const PNG = png(4, 3)
const SHA = createHash('sha256').update(PNG).digest('hex')
const EXTERNAL = 'https://images.example.com/dog.png'
const fileUrl = (docId: string) => `/api/docs/${docId}/files/${SHA}`

/** A GET with headers fetch will not send (Host), answered as text. */
function get(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (response) => {
        let body = ''
        response.on('data', (chunk: Buffer) => (body += chunk.toString()))
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }))
      })
      .on('error', reject)
  })
}

describe('REST export of a document with images', () => {
  let running: RunningServer | undefined
  afterEach(async () => {
    await running?.close()
    running = undefined
  })

  async function serverWithPictures(trustProxy?: string[]) {
    running = await startServer({ authSecret: SECRET, trustProxy })
    const token = await mintToken({ secret: SECRET, doc: 'pics', role: 'edit', name: 'Ann' })
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' }
    const markdown = `![cat](${fileUrl('pics')})\n\n![dog](${EXTERNAL})\n`
    const created = await fetch(`${running.httpUrl}/api/docs`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ id: 'pics', markdown }),
    })
    expect(created.status, await created.clone().text()).toBeLessThan(300)
    const upload = await fetch(`${running.httpUrl}/api/docs/pics/files`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'image/png' },
      body: PNG,
    })
    expect(upload.status, await upload.clone().text()).toBe(201)
    expect(((await upload.json()) as { url: string }).url).toBe(fileUrl('pics'))
    return { token, url: `${running.httpUrl}/api/docs/pics/content` }
  }

  it('gives uploads absolute URLs on the Host asked for, with no token; JSON keeps them relative', async () => {
    const { token, url } = await serverWithPictures()
    const markdown = await get(`${url}?format=markdown&token=${token}`, { host: 'docs.example.org:8080' })
    expect(markdown.status).toBe(200)
    expect(markdown.body).toContain(`![cat](http://docs.example.org:8080${fileUrl('pics')})`)
    expect(markdown.body).toContain(`![dog](${EXTERNAL})`)
    expect(markdown.body).not.toContain(token)
    expect(markdown.body).not.toContain('token')

    const html = await get(`${url}?format=html`, { authorization: `Bearer ${token}` })
    expect(html.body).toContain(`src="${running!.httpUrl}${fileUrl('pics')}"`)
    expect(html.body).not.toContain(token)

    const json = await get(`${url}?format=json`, { authorization: `Bearer ${token}` })
    expect(json.body).toContain(`"src":"${fileUrl('pics')}"`)

    // A version download is an export too.
    const named = await fetch(`${running!.httpUrl}/api/docs/pics/versions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'with pictures' }),
    })
    expect(named.status, await named.clone().text()).toBe(201)
    const { id } = (await named.json()) as { id: number }
    const version = await get(`${running!.httpUrl}/api/docs/pics/versions/${id}?format=markdown`, {
      authorization: `Bearer ${token}`,
      host: 'docs.example.org',
    })
    expect(version.body).toContain(`![cat](http://docs.example.org${fileUrl('pics')})`)
    const versionJson = await get(`${running!.httpUrl}/api/docs/pics/versions/${id}`, {
      authorization: `Bearer ${token}`,
    })
    expect(versionJson.body).toContain(`"src":"${fileUrl('pics')}"`)

    // The absolute URL serves the image to a reader with their own access, and to nobody without.
    const absolute = `${running!.httpUrl}${fileUrl('pics')}`
    expect((await fetch(absolute)).status).toBe(401)
    const read = await mintToken({ secret: SECRET, doc: 'pics', role: 'view', name: 'Bo' })
    const image = await fetch(absolute, { headers: { authorization: `Bearer ${read}` } })
    expect(image.status).toBe(200)
    expect(Buffer.from(await image.arrayBuffer()).equals(PNG)).toBe(true)
  })

  it('believes X-Forwarded-Proto and -Host only from a trusted proxy, and varies the ETag with the origin', async () => {
    const { token, url } = await serverWithPictures(['loopback'])
    const headers = {
      authorization: `Bearer ${token}`,
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'docs.example.org',
    }
    const proxied = await get(`${url}?format=markdown`, headers)
    expect(proxied.body).toContain(`(https://docs.example.org${fileUrl('pics')})`)

    const direct = await fetch(`${url}?format=markdown`, { headers: { authorization: `Bearer ${token}` } })
    const etag = direct.headers.get('etag')!
    expect(await direct.text()).toContain(`(${running!.httpUrl}${fileUrl('pics')})`)
    // The same version through another origin is another body, so another validator.
    const again = await fetch(`${url}?format=markdown`, { headers: { ...headers, 'if-none-match': etag } })
    expect(again.status).toBe(200)
  })

  it('ignores X-Forwarded-* from a peer that is not a trusted proxy', async () => {
    const { token, url } = await serverWithPictures()
    const spoofed = await get(`${url}?format=html`, {
      authorization: `Bearer ${token}`,
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'evil.example',
    })
    expect(spoofed.body).not.toContain('evil.example')
    expect(spoofed.body).toContain(`src="${running!.httpUrl}${fileUrl('pics')}"`)
  })
})

describe('tandem export with images', () => {
  let dir: string
  let dataDir: string
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tandem-image-export-'))
    dataDir = path.join(dir, 'data')
    const file = path.join(dir, 'pics.md')
    // Issue 22's report: `tandem import` of a Markdown file with a javascript: link (and image).
    await writeFile(
      file,
      `# Pictures\n\n![cat](${fileUrl('pics')})\n\n![dog](${EXTERNAL})\n\n` +
        '[click me](javascript:alert(document.domain)) and ![bad](javascript:alert(1))\n',
    )
    const imported = await runCli(['import', 'pics', file, '--data-dir', dataDir])
    expect(imported.code, imported.stderr).toBe(0)
    // The upload, through the data directory's file store (what the upload route does after sniffing).
    const storage = openSqliteStorage({ dataDir })
    await storage.files.put('pics', { id: SHA, type: 'image/png', width: 4, height: 3, bytes: PNG })
    await storage.close()
  }, 120_000)
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('keeps uploads relative without --base-url and makes them absolute with it', { timeout: 120_000 }, async () => {
    const relative = await runCli(['export', 'pics', '--data-dir', dataDir])
    expect(relative.stdout).toContain(`![cat](${fileUrl('pics')})`)
    // The imported javascript: link and image were dropped on the way in (the text stays).
    expect(relative.stdout).toContain('click me and')
    expect(relative.stdout).not.toMatch(/javascript/i)
    const absolute = await runCli(['export', 'pics', '--base-url', 'https://docs.example.org/', '--data-dir', dataDir])
    expect(absolute.code, absolute.stderr).toBe(0)
    expect(absolute.stdout).toContain(`![cat](https://docs.example.org${fileUrl('pics')})`)
    expect(absolute.stdout).toContain(`![dog](${EXTERNAL})`)
    const json = await runCli([
      'export',
      'pics',
      '--format',
      'json',
      '--base-url',
      'https://x.example',
      '--data-dir',
      dataDir,
    ])
    expect(json.stdout).toContain(`"src":"${fileUrl('pics')}"`)
    expect(json.stdout).not.toMatch(/javascript/i)
  })

  it(
    '--embed-images writes the stored upload as a data: URL and leaves external images and the document alone',
    { timeout: 120_000 },
    async () => {
      const embedded = await runCli(['export', 'pics', '--format', 'html', '--embed-images', '--data-dir', dataDir])
      expect(embedded.code, embedded.stderr).toBe(0)
      expect(embedded.stdout).toContain(`src="data:image/png;base64,${PNG.toString('base64')}"`)
      expect(embedded.stdout).toContain(`src="${EXTERNAL}"`)
      expect(embedded.stdout).not.toContain(fileUrl('pics'))
      const withBase = await runCli([
        'export',
        'pics',
        '--format',
        'html',
        '--embed-images',
        '--base-url',
        'https://docs.example.org',
        '--data-dir',
        dataDir,
      ])
      expect(withBase.stdout).toContain('src="data:image/png;base64,')
      const json = await runCli(['export', 'pics', '--format', 'json', '--data-dir', dataDir])
      expect(json.stdout).toContain(`"src":"${fileUrl('pics')}"`)
      expect(json.stdout).not.toContain('data:')
    },
  )

  it.each([
    [['--embed-images'], /--embed-images works with --format html only/],
    [['--format', 'json', '--embed-images'], /--embed-images works with --format html only/],
    [['--base-url', 'docs.example.org'], /--base-url must be an absolute http\(s\) URL/],
    [['--base-url', 'ftp://docs.example.org'], /--base-url must use http or https/],
    [['--base-url', 'https://docs.example.org/?token=abc'], /must not carry credentials, a query or a fragment/],
  ])('fails clearly: %j', { timeout: 60_000 }, async (args, message) => {
    const result = await runCli(['export', 'pics', ...args, '--data-dir', dataDir])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(message)
  })

  it('says in --help what --base-url and --embed-images do', async () => {
    const help = await runCli(['export', '--help'])
    expect(help.stdout).toMatch(/--base-url <url>[\s\S]*without any token[\s\S]*stay relative/)
    expect(help.stdout).toMatch(/--embed-images[\s\S]*html only/)
  })
})
