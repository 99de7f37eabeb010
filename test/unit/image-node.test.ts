import * as Y from 'yjs'
import { describe, expect, it } from 'vitest'
import { parseContent, renderDoc, replaceContent } from '../../server/content/convert.js'
import { ContentFormat } from '../../server/content/formats.js'
import { sanitizeContent } from '../../server/content/sanitize-content.js'
import { documentSchema } from '../../server/content/schema.js'

const FILE = '/api/docs/doc-1/files/' + 'a'.repeat(64)

function docWith(content: object[]): Y.Doc {
  const doc = new Y.Doc()
  replaceContent(doc, { type: 'doc', content }, 'test')
  return doc
}

describe('the image node', () => {
  it('parses an <img> with an allowed URL, with its alt, size and alignment', () => {
    const json = parseContent(`<img src="${FILE}" alt="A cat" data-size="small" data-align="left">`, 'html')
    expect(json.content?.[0]).toMatchObject({
      type: 'image',
      attrs: { src: FILE, alt: 'A cat', size: 'small', align: 'left' },
    })
  })

  it('drops images whose URL the policy refuses (data:, javascript:) and never parses an upload id', () => {
    for (const src of ['data:image/svg+xml,<svg/>', 'javascript:alert(1)', 'blob:https://x/1']) {
      const json = parseContent(`<p>before</p><img src="${src}">`, 'html')
      expect(JSON.stringify(json)).not.toContain('image')
    }
    const json = parseContent(`<img src="${FILE}" data-upload-id="u1" data-size="huge">`, 'html')
    expect(json.content?.[0]?.attrs).toMatchObject({ uploadId: null, size: 'full' })
  })

  it('keeps a placeholder (upload under way: src null with an uploadId) and drops an image with neither', () => {
    const placeholder = { type: 'image', attrs: { src: null, uploadId: 'up-1' } }
    const kept = sanitizeContent({ type: 'doc', content: [placeholder] }, documentSchema)
    expect(kept.content?.[0]).toMatchObject(placeholder)
    const dropped = sanitizeContent({ type: 'doc', content: [{ type: 'image', attrs: { src: null } }] }, documentSchema)
    expect(JSON.stringify(dropped)).not.toContain('image')
  })

  it('exports Markdown as ![alt](url) and HTML as <img src alt>; a placeholder exports nothing', () => {
    const doc = docWith([
      { type: 'image', attrs: { src: FILE, alt: 'A [cat]', size: 'medium', align: 'right', width: 40, height: 30 } },
      { type: 'image', attrs: { src: null, uploadId: 'up-1' } },
      { type: 'paragraph', content: [{ type: 'text', text: 'after' }] },
    ])
    expect(renderDoc(doc, ContentFormat.Markdown)).toBe(`![A \\[cat\\]](${FILE})\n\nafter\n`)
    const html = renderDoc(doc, ContentFormat.Html)
    expect(html).toContain(`<img src="${FILE}" alt="A [cat]"`)
    expect(html).toContain('data-size="medium"')
    expect(html).not.toContain('token')
  })

  it('imports Markdown images that are URLs, and drops refused ones', () => {
    const json = parseContent(`![A dog](https://example.com/dog.png)\n\n![x](javascript:alert(1))\n`, 'markdown')
    expect(JSON.stringify(json)).toContain('https://example.com/dog.png')
    expect(JSON.stringify(json)).not.toContain('javascript')
  })

  it('lives in table cells and list items', () => {
    const image = { type: 'image', attrs: { src: FILE } }
    const cell = { type: 'tableCell', content: [image] }
    const doc = {
      type: 'doc',
      content: [
        { type: 'table', content: [{ type: 'tableRow', content: [cell] }] },
        { type: 'bulletList', content: [{ type: 'listItem', content: [{ type: 'paragraph' }, image] }] },
      ],
    }
    expect(() => documentSchema.nodeFromJSON(sanitizeContent(doc, documentSchema))).not.toThrow()
  })
})
