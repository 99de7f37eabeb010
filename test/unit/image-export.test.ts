import type { Socket } from 'node:net'
import type { IncomingMessage } from 'node:http'
import type { JSONContent } from '@tiptap/core'
import * as Y from 'yjs'
import { describe, expect, it } from 'vitest'
import { docToJSON, parseContent, renderDoc, renderJSON, replaceContent } from '../../server/content/convert.js'
import { ContentFormat } from '../../server/content/formats.js'
import { absoluteImageUrls, checkBaseUrl, embedImages, servedFile } from '../../server/content/image-urls.js'
import { documentSchema } from '../../server/content/schema.js'
import { requestOriginResolver } from '../../server/http/client-address.js'

const SHA = 'a'.repeat(64)
const FILE = `/api/docs/doc-1/files/${SHA}`
const EXTERNAL = 'https://images.example.com/dog.png'

function docWith(content: JSONContent[]): Y.Doc {
  const doc = new Y.Doc()
  replaceContent(doc, { type: 'doc', content }, 'test')
  return doc
}

const image = (src: string, alt = 'pic'): JSONContent => ({ type: 'image', attrs: { src, alt } })
const paragraph = (text: string): JSONContent => ({ type: 'paragraph', content: [{ type: 'text', text }] })

function imagesOf(json: JSONContent): string[] {
  const found: string[] = []
  const walk = (node: JSONContent) => {
    if (node.type === 'image') found.push(String(node.attrs?.src))
    node.content?.forEach(walk)
  }
  walk(json)
  return found
}

describe('image URLs in exports', () => {
  it('recognises only the paths this server serves', () => {
    expect(servedFile(FILE)).toEqual({ docId: 'doc-1', fileId: SHA })
    for (const other of [EXTERNAL, '/api/docs/doc-1/files/abc', `/other${FILE}`, `${FILE}?x=1`, null]) {
      expect(servedFile(other)).toBeNull()
    }
  })

  it('makes served images absolute against the base (keeping a path prefix) and leaves the rest alone', () => {
    const json: JSONContent = { type: 'doc', content: [image(FILE), image(EXTERNAL), image('/elsewhere.png')] }
    expect(imagesOf(absoluteImageUrls(json, 'https://t.example.org'))).toEqual([
      `https://t.example.org${FILE}`,
      EXTERNAL,
      '/elsewhere.png',
    ])
    expect(imagesOf(absoluteImageUrls(json, 'https://t.example.org/tandem/'))[0]).toBe(
      `https://t.example.org/tandem${FILE}`,
    )
    // The input (the document's JSON) is not changed.
    expect(imagesOf(json)[0]).toBe(FILE)
  })

  it('renders absolute URLs in Markdown and HTML, with no token', () => {
    const json = absoluteImageUrls(docToJSON(docWith([image(FILE), paragraph('x')])), 'http://localhost:4000')
    expect(renderJSON(json, ContentFormat.Markdown)).toContain(`![pic](http://localhost:4000${FILE})`)
    const html = renderJSON(json, ContentFormat.Html)
    expect(html).toContain(`src="http://localhost:4000${FILE}"`)
    expect(html).not.toContain('token')
  })

  it('checks --base-url: http(s) only, no credentials, query or fragment; trailing slash dropped', () => {
    expect(checkBaseUrl('https://t.example.org/')).toBe('https://t.example.org')
    expect(checkBaseUrl('http://127.0.0.1:4000/tandem')).toBe('http://127.0.0.1:4000/tandem')
    expect(() => checkBaseUrl('t.example.org')).toThrow(/absolute http\(s\) URL/)
    expect(() => checkBaseUrl('ftp://t.example.org')).toThrow(/http or https, not ftp/)
    expect(() => checkBaseUrl('https://t.example.org/?token=x')).toThrow(/query/)
    expect(() => checkBaseUrl('https://u:p@t.example.org')).toThrow(/credentials/)
  })
})

describe('embedding images in HTML', () => {
  const bytes = new Uint8Array([137, 80, 78, 71])
  const read = async (fileId: string) => (fileId === SHA ? { type: 'image/png', bytes } : null)
  const other = `/api/docs/doc-1/files/${'b'.repeat(64)}`

  it('inlines the files the reader returns, leaves external and unknown ones, and never touches text', async () => {
    const doc = docWith([image(FILE), image(EXTERNAL), image(other), paragraph(`<img src="${FILE}">`), image(FILE)])
    const html = await embedImages(renderDoc(doc, ContentFormat.Html), read)
    const data = `data:image/png;base64,${Buffer.from(bytes).toString('base64')}`
    expect(html.split(`src="${data}"`).length - 1).toBe(2)
    expect(html).toContain(`src="${EXTERNAL}"`)
    expect(html).toContain(`src="${other}"`)
    // The text that looks like an image tag is escaped, and stays text.
    expect(html).toContain(`&lt;img src="${FILE}"&gt;`)
  })

  it('also inlines images already made absolute against the base URL', async () => {
    const base = 'https://t.example.org'
    const json = absoluteImageUrls(docToJSON(docWith([image(FILE)])), base)
    const html = await embedImages(renderJSON(json, ContentFormat.Html), read, base)
    expect(html).toContain('src="data:image/png;base64,')
  })
})

describe('the request origin exports resolve images against', () => {
  const request = (remoteAddress: string, headers: Record<string, string>, encrypted = false) =>
    ({ headers, socket: { remoteAddress, encrypted } as unknown as Socket }) as IncomingMessage
  const forwarded = { host: 'internal:4000', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'docs.example.org' }

  it('is the Host header and the socket protocol without trusted proxies', () => {
    const originOf = requestOriginResolver([])
    expect(originOf(request('10.0.0.1', forwarded))).toBe('http://internal:4000')
    expect(originOf(request('10.0.0.1', { host: 'docs.example.org' }, true))).toBe('https://docs.example.org')
    expect(originOf(request('10.0.0.1', { host: 'evil"><script>' }))).toBeUndefined()
    expect(originOf(request('10.0.0.1', {}))).toBeUndefined()
  })

  it('believes X-Forwarded-Proto and -Host only from a trusted proxy', () => {
    const originOf = requestOriginResolver(['loopback'])
    expect(originOf(request('127.0.0.1', forwarded))).toBe('https://docs.example.org')
    expect(originOf(request('10.0.0.1', forwarded))).toBe('http://internal:4000')
    expect(originOf(request('127.0.0.1', { ...forwarded, 'x-forwarded-proto': 'gopher' }))).toBeUndefined()
  })
})

describe('images through import and export', () => {
  it('Markdown import keeps images that are http, https or relative URLs', () => {
    const json = parseContent(`![a](http://x.example/a.png)\n\n![b](${EXTERNAL})\n\n![c](${FILE})\n`, 'markdown')
    expect(imagesOf(json)).toEqual(['http://x.example/a.png', EXTERNAL, FILE])
  })

  it('keeps an image in a table cell and in a list item through JSON, HTML and Markdown', () => {
    const inCell = image(FILE, 'in cell')
    const inItem = image(EXTERNAL, 'in item')
    const cell = (content: JSONContent[]): JSONContent => ({ type: 'tableCell', content })
    const original = docWith([
      {
        type: 'table',
        content: [
          { type: 'tableRow', content: [{ type: 'tableHeader', content: [paragraph('head')] }] },
          { type: 'tableRow', content: [cell([inCell])] },
        ],
      },
      { type: 'bulletList', content: [{ type: 'listItem', content: [paragraph('item'), inItem] }] },
    ])
    const expected = [FILE, EXTERNAL]
    const json = docToJSON(original)
    expect(imagesOf(json)).toEqual(expected)

    // JSON: the document as stored, through the schema and back into a Y.Doc.
    const fromJson = docToJSON(docWith(JSON.parse(renderDoc(original, ContentFormat.Json)).content))
    expect(fromJson).toEqual(json)

    for (const format of ['html', 'markdown'] as const) {
      const reimported = parseContent(renderDoc(original, format), format)
      expect(() => documentSchema.nodeFromJSON(reimported)).not.toThrow()
      expect(imagesOf(docToJSON(docWith(reimported.content ?? []))), format).toEqual(expected)
    }
    // HTML keeps where each image was: the cell's image in the table, the item's in the list.
    const html = parseContent(renderDoc(original, ContentFormat.Html), 'html')
    expect(imagesOf(html.content![0]!)).toEqual([FILE])
    expect(imagesOf(html.content![1]!)).toEqual([EXTERNAL])
  })
})
