import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/child-server.js'
import { startServer, type RunningServer } from '../helpers/test-server.js'

/**
 * Issue 17, exports: pending suggestions read as rejected unless asked otherwise
 * (`?suggestions=accept|show`, `tandem export --suggestions`); the zero-width anchors of suggested
 * block splits never reach an export.
 */

const DOC = 'reviewed'
const attrs = (author: string) =>
  `data-suggestion-id="${author}:1" data-author="${author}" data-author-name="${author}" data-at="1700000000000"`
/** Bob proposes deleting "quick ", Alice inserting "brown " (and an anchor); the second paragraph holds a bare anchor. */
const HTML =
  `<p>The <del ${attrs('bob')}>quick </del><ins ${attrs('alice')}>brown \u200B</ins>fox.</p>` +
  '<p>Second\u200B line</p>'

const expected = {
  reject: { markdown: 'The quick fox.\n\nSecond line\n', text: 'The quick fox.\nSecond line\n' },
  accept: { markdown: 'The brown fox.\n\nSecond line\n', text: 'The brown fox.\nSecond line\n' },
  show: { markdown: 'The quick brown fox.\n\nSecond line\n', text: 'The quick brown fox.\nSecond line\n' },
} as const

interface JSONNode {
  type: string
  text?: string
  marks?: { type: string; attrs?: Record<string, unknown> }[]
  content?: JSONNode[]
}
const textNodes = (node: JSONNode): JSONNode[] =>
  node.type === 'text' ? [node] : (node.content ?? []).flatMap((child) => textNodes(child))

describe('exports and pending suggestions', () => {
  let running: RunningServer
  const exported = async (format: string, suggestions?: string) => {
    const query = suggestions === undefined ? '' : `&suggestions=${suggestions}`
    return fetch(`${running.httpUrl}/api/docs/${DOC}/content?format=${format}${query}`)
  }
  const body = async (format: string, suggestions?: string) => {
    const response = await exported(format, suggestions)
    expect(response.status).toBe(200)
    return response.text()
  }

  beforeAll(async () => {
    running = await startServer()
    await running.server.documents.create({ docId: DOC, content: { source: HTML, format: 'html' } })
  })
  afterAll(async () => {
    await running.close()
  })

  it.each(['markdown', 'text'] as const)(
    '%s: as if rejected by default, accepted or shown on request',
    async (format) => {
      expect(await body(format)).toBe(expected.reject[format])
      expect(await body(format, 'reject')).toBe(expected.reject[format])
      expect(await body(format, 'accept')).toBe(expected.accept[format])
      expect(await body(format, 'show')).toBe(expected.show[format])
    },
  )

  it('html: rejected by default, accepted on request, and shown as <ins>/<del> with their authors', async () => {
    expect(await body('html')).toBe('<p>The quick fox.</p><p>Second line</p>')
    expect(await body('html', 'accept')).toBe('<p>The brown fox.</p><p>Second line</p>')
    const shown = await body('html', 'show')
    expect(shown).toMatch(/<del [^>]*data-author="bob"[^>]*>quick <\/del>/)
    expect(shown).toMatch(/<ins [^>]*data-author="alice"[^>]*>brown <\/ins>/)
    expect(shown).toContain('<p>Second line</p>')
  })

  it('json: the document without suggestions, or with their marks when shown', async () => {
    const rejected = JSON.parse(await body('json')) as JSONNode
    expect(textNodes(rejected).map((node) => node.text)).toEqual(['The quick fox.', 'Second line'])
    expect(textNodes(rejected).flatMap((node) => node.marks ?? [])).toEqual([])
    const accepted = JSON.parse(await body('json', 'accept')) as JSONNode
    expect(textNodes(accepted).map((node) => node.text)).toEqual(['The brown fox.', 'Second line'])
    const shown = JSON.parse(await body('json', 'show')) as JSONNode
    expect(textNodes(shown).map((node) => [node.text, node.marks?.map((mark) => mark.attrs?.['author'])])).toEqual([
      ['The ', undefined],
      ['quick ', ['bob']],
      ['brown ', ['alice']],
      ['fox.', undefined],
      ['Second line', undefined],
    ])
  })

  it('no zero-width anchor reaches any export', async () => {
    for (const format of ['markdown', 'text', 'html', 'json']) {
      for (const view of ['reject', 'accept', 'show']) expect(await body(format, view)).not.toContain('\u200B')
    }
  })

  it('each view has its own ETag; the default view keeps the tag it always had', async () => {
    const tags = await Promise.all(
      [undefined, 'reject', 'accept', 'show'].map(async (view) =>
        (await exported('markdown', view)).headers.get('etag'),
      ),
    )
    expect(tags[0]).toBe(tags[1])
    expect(new Set(tags).size).toBe(3)
    expect(tags[0]).toMatch(/^"markdown-/)
  })

  it('an unknown view is a 400 that names the choices', async () => {
    for (const view of ['everything', '']) {
      const response = await exported('markdown', view)
      expect(response.status).toBe(400)
      expect(((await response.json()) as { message: string }).message).toBe(
        'suggestions must be one of reject, accept, show (as if rejected, as if accepted, or marked)',
      )
    }
  })
})

describe('tandem export --suggestions', () => {
  let dir: string
  let dataDir: string
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tandem-suggestions-export-'))
    dataDir = path.join(dir, 'data')
    const running = await startServer({ dataDir })
    await running.server.documents.create({ docId: DOC, content: { source: HTML, format: 'html' } })
    await running.close()
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('exports as if rejected by default, and accepted or shown on request', { timeout: 120_000 }, async () => {
    const byDefault = await runCli(['export', DOC, '--format', 'text', '--data-dir', dataDir])
    expect(byDefault.stdout).toBe(expected.reject.text)
    const accepted = await runCli(['export', DOC, '--suggestions', 'accept', '--data-dir', dataDir])
    expect(accepted.stdout).toBe(expected.accept.markdown)
    const shown = await runCli(['export', DOC, '--format', 'html', '--suggestions', 'show', '--data-dir', dataDir])
    expect(shown.stdout).toMatch(/<ins [^>]*>brown <\/ins>/)
  })

  it('refuses an unknown mode, and --help lists the modes', { timeout: 60_000 }, async () => {
    const refused = await runCli(['export', DOC, '--suggestions', 'all', '--data-dir', dataDir])
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toMatch(/argument 'all' is invalid. Allowed choices are reject, accept, show/)
    const help = await runCli(['export', '--help'])
    expect(help.stdout).toMatch(/--suggestions <mode>/)
  })
})
