import { describe, expect, it } from 'vitest'
import { safeHref, splitBody } from '../../client/editor/comments/comment-links.js'

describe('links in comment bodies', () => {
  it('turns http and https URLs into links and leaves punctuation after them as text', () => {
    expect(splitBody('see https://example.com/a?b=1. and (http://x.org/y)')).toEqual([
      { kind: 'text', text: 'see ' },
      { kind: 'link', text: 'https://example.com/a?b=1', href: 'https://example.com/a?b=1' },
      { kind: 'text', text: '. and (' },
      { kind: 'link', text: 'http://x.org/y', href: 'http://x.org/y' },
      { kind: 'text', text: ')' },
    ])
  })

  it('never links other schemes, and keeps markup as text', () => {
    const body = '<img src=x onerror=alert(1)> javascript:alert(1) data:text/html,hi ftp://x.org'
    expect(splitBody(body)).toEqual([{ kind: 'text', text: body }])
    expect(safeHref('javascript:alert(1)')).toBeNull()
    expect(safeHref('https://')).toBeNull()
  })

  it('gives back the whole body, piece by piece', () => {
    const body = 'a https://a.example b\nhttps://b.example/c'
    expect(
      splitBody(body)
        .map((piece) => piece.text)
        .join(''),
    ).toBe(body)
  })
})
