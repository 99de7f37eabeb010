import * as Y from 'yjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CONTENT_FORMATS } from '../../server/content/formats.js'
import { checkDocId } from '../../server/documents/document-service.js'
import { MAX_ATTRIBUTE_CHARS } from '../../shared/limits.js'
import { rawClient, stockProvider, synced, updateFrame } from '../helpers/clients.js'
import { HOSTILE_URLS } from '../fixtures/hostile-urls.js'
import { craftedUpdate, imageElement, linkParagraph } from '../helpers/crafted-content.js'
import { harmfulInHtml, harmfulInJson, harmfulInMarkdown } from '../helpers/executable-urls.js'
import { startServer, type RunningServer } from '../helpers/test-server.js'
import { waitFor } from '../helpers/wait-for.js'

/** The whole corpus of test/fixtures/hostile-urls.ts (57 forms), through the real server's paths. */
const HOSTILE = HOSTILE_URLS
/** An upload's address, relative to this server: a document must keep it (and exports resolve it). */
const servedFile = (docId: string) => `/api/docs/${docId}/files/${'c'.repeat(64)}`
const htmlAttribute = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;')

let running: RunningServer
const api = (path: string, init?: RequestInit) => fetch(`${running.httpUrl}${path}`, init)
const post = (path: string, body: unknown) =>
  api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })

/** The text export, or '' while the document does not exist yet. */
async function textOf(docId: string): Promise<string> {
  const response = await api(`/api/docs/${docId}/content?format=text`)
  return response.ok ? response.text() : ''
}

/**
 * Harmful URLs in every export format. Plain text has no attributes: when `text` is given (the
 * writers' text the document holds), the export must be exactly that, so no URL leaked into it.
 */
async function harmfulInExports(docId: string, text?: string): Promise<Record<string, string[]>> {
  const found: Record<string, string[]> = {}
  for (const format of CONTENT_FORMATS) {
    const response = await api(`/api/docs/${docId}/content?format=${format}`)
    expect(response.status).toBe(200)
    const body = await response.text()
    if (format === 'text' && text !== undefined) expect(body).toBe(text)
    found[format] =
      format === 'markdown'
        ? harmfulInMarkdown(body)
        : format === 'html'
          ? harmfulInHtml(body)
          : format === 'json'
            ? harmfulInJson(JSON.parse(body))
            : HOSTILE.filter((url) => text !== undefined && body.includes(url))
  }
  return found
}

const NOTHING_HARMFUL = { markdown: [], html: [], text: [], json: [] }

beforeAll(async () => {
  running = await startServer()
})
afterAll(async () => {
  await running?.close()
})

describe('hostile links through the server', () => {
  it('REST import of Markdown and HTML stores and exports no harmful link or image, and keeps good ones', async () => {
    const markdown = [
      ...HOSTILE.map((url) => `[bad](<${url}>)`),
      ...HOSTILE.map((url) => `![bad](<${url}>)`),
      '[good](https://example.com/)',
      '[here](/d/other)',
      `![kept](${servedFile('md-import')})`,
    ].join('\n\n')
    const html = [
      ...HOSTILE.map(
        (url) => `<p><a href="${htmlAttribute(url)}">bad</a></p><img src="${htmlAttribute(url)}" alt="bad">`,
      ),
      `<p>good</p><img src="${servedFile('html-import')}" alt="kept">`,
    ].join('')
    expect((await post('/api/docs', { id: 'md-import', markdown })).status).toBe(201)
    expect((await post('/api/docs', { id: 'html-import', html })).status).toBe(201)
    // The Markdown's text is the source the writer imported (a destination Markdown does not read as
    // a link stays text), so its plain-text export has nothing to compare against.
    expect(await harmfulInExports('md-import')).toEqual(NOTHING_HARMFUL)
    expect(await harmfulInExports('html-import', `${'bad\n'.repeat(HOSTILE.length)}good\n`)).toEqual(NOTHING_HARMFUL)
    const exported = await (await api('/api/docs/md-import/content?format=markdown')).text()
    expect(exported).toContain('[good](https://example.com/)')
    expect(exported).toContain('[here](/d/other)')
    expect(exported).toContain(`![kept](${running.httpUrl}${servedFile('md-import')})`)
    const json = await (await api('/api/docs/html-import/content?format=json')).text()
    expect(json.match(/"src":"[^"]*"/g)).toEqual([`"src":"${servedFile('html-import')}"`])
  })

  it('the CLI import path (DocumentService.importContent) keeps the text and drops the link', async () => {
    await running.server.documents.importContent('cli-import', {
      source: '[click me](javascript:alert(document.domain)) and [ok](https://example.com/)',
      format: 'markdown',
    })
    expect(await (await api('/api/docs/cli-import/content?format=markdown')).text()).toBe(
      'click me and [ok](https://example.com/)\n',
    )
  })

  it('a version that holds a hostile link renders and restores without it', async () => {
    const update = craftedUpdate((fragment) =>
      fragment.insert(0, [linkParagraph('bad', { href: 'javascript:alert(1)' })]),
    )
    const client = await rawClient(`${running.wsUrl}/versioned`)
    client.send(updateFrame(update))
    await waitFor(async () => (await textOf('versioned')) === 'bad\n', { description: 'update applied' })
    client.ws.close()
    const versioned = checkDocId('versioned')
    const version = await running.server.history.createNamed(versioned, 'with a bad link')
    const rendered = await running.server.history.render(versioned, version.id, 'markdown')
    expect(rendered.body).toBe('bad\n')
    await running.server.history.restore(versioned, version.id)
    expect(await harmfulInExports('versioned')).toEqual(NOTHING_HARMFUL)
  })

  it('a crafted update over WebSocket with hostile hrefs and image srcs lands, and no export carries them', async () => {
    const update = craftedUpdate((fragment) =>
      fragment.insert(0, [
        ...HOSTILE.map((url) => linkParagraph('bad', { href: url })),
        ...HOSTILE.map((url) => imageElement({ src: url, alt: 'bad' })),
        linkParagraph('good', { href: 'https://example.com/' }),
        imageElement({ src: servedFile('crafted'), alt: 'kept' }),
      ]),
    )
    const client = await rawClient(`${running.wsUrl}/crafted`)
    client.send(updateFrame(update))
    await waitFor(async () => (await textOf('crafted')).includes('good'), { description: 'update applied' })
    expect(await harmfulInExports('crafted', `${'bad\n'.repeat(HOSTILE.length)}good\n`)).toEqual(NOTHING_HARMFUL)
    const html = await (await api('/api/docs/crafted/content?format=html')).text()
    expect(html).toContain('href="https://example.com/"')
    expect(html.match(/<img [^>]*>/g)).toEqual([
      expect.stringContaining(`src="${running.httpUrl}${servedFile('crafted')}"`),
    ])
    client.ws.close()
  })

  it('refuses an update carrying an oversized attribute, like an oversized frame', async () => {
    const update = craftedUpdate((fragment) =>
      fragment.insert(0, [
        linkParagraph('x', { href: 'https://example.com/', title: 't'.repeat(MAX_ATTRIBUTE_CHARS) }),
      ]),
    )
    const client = await rawClient(`${running.wsUrl}/oversized-attribute`)
    client.send(updateFrame(update))
    const closed = await client.closed
    expect(closed.code).toBe(4413)
    expect(closed.reason).toMatch(/^frame-too-large: update carries an attribute of \d+ characters/)
    // Nothing of it was stored; a normal client still syncs the document.
    const check = stockProvider(running.wsUrl, 'oversized-attribute')
    try {
      await synced(check.provider)
      expect(check.doc.getXmlFragment('default').length).toBe(0)
    } finally {
      check.destroy()
    }
  })
})

describe('other oversized parts of a crafted update', () => {
  it.each([
    [
      'an element name',
      (fragment: Y.XmlFragment) => fragment.insert(0, [new Y.XmlElement('p'.repeat(MAX_ATTRIBUTE_CHARS + 1))]),
    ],
    [
      'an element attribute',
      (fragment: Y.XmlFragment) => {
        const paragraph = new Y.XmlElement('paragraph')
        paragraph.setAttribute('onclick', 'x'.repeat(MAX_ATTRIBUTE_CHARS))
        fragment.insert(0, [paragraph])
      },
    ],
  ])('%s over the limit is refused', async (_name, build) => {
    const client = await rawClient(`${running.wsUrl}/oversized-part`)
    client.send(updateFrame(craftedUpdate(build)))
    expect((await client.closed).code).toBe(4413)
  })
})

describe('attribute sizes a normal update carries', () => {
  it('are accepted', async () => {
    const update = craftedUpdate((fragment) =>
      fragment.insert(0, [linkParagraph('x', { href: 'https://example.com/', title: 't'.repeat(1000) })]),
    )
    const client = await rawClient(`${running.wsUrl}/normal-attribute`)
    client.send(updateFrame(update))
    await waitFor(async () => (await textOf('normal-attribute')) === 'x\n', { description: 'update applied' })
    client.ws.close()
  })
})
