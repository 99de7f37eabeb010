import { describe, expect, it } from 'vitest'
import { isSafeUrl, safeUrl, UrlKind } from '../../shared/url-policy.js'
import { GOOD_URLS, HOSTILE_URLS } from '../fixtures/hostile-urls.js'
import { isHarmfulUrl } from '../helpers/executable-urls.js'

const show = (url: string) => JSON.stringify(url.length > 80 ? `${url.slice(0, 80)}…` : url)

describe('the URL policy', () => {
  it('has a corpus of at least 20 hostile URL forms, each harmful to a browser or dropped by length', () => {
    expect(HOSTILE_URLS.length).toBeGreaterThanOrEqual(20)
  })

  it.each(HOSTILE_URLS.map((url) => [show(url), url]))('refuses %s as a link and as an image', (_name, url) => {
    expect(safeUrl(UrlKind.Link, url)).toBeNull()
    expect(safeUrl(UrlKind.Image, url)).toBeNull()
  })

  it.each(GOOD_URLS.map((url) => [url]))('keeps %s as a link, unchanged', (url) => {
    expect(safeUrl(UrlKind.Link, url)).toBe(url)
    expect(isHarmfulUrl(url)).toBe(false)
  })

  it('keeps https and relative image URLs but not mailto ones', () => {
    expect(safeUrl(UrlKind.Image, 'https://example.com/cat.png')).toBe('https://example.com/cat.png')
    expect(safeUrl(UrlKind.Image, '/api/docs/a/files/b')).toBe('/api/docs/a/files/b')
    expect(safeUrl(UrlKind.Image, 'mailto:ann@example.com')).toBeNull()
  })

  it('trims what browsers trim and keeps the rest of a good URL as written', () => {
    expect(safeUrl(UrlKind.Link, '  https://example.com/a b  ')).toBe('https://example.com/a b')
  })

  it('refuses what is not a string, and the empty string', () => {
    for (const value of [null, undefined, 42, {}, ['https://example.com'], '', '   ']) {
      expect(isSafeUrl(UrlKind.Link, value)).toBe(false)
    }
  })

  it('refuses a URL still changing after four rounds of decoding', () => {
    expect(safeUrl(UrlKind.Link, 'https://example.com/%2525252541')).toBeNull()
    expect(safeUrl(UrlKind.Link, 'https://example.com/%252541')).toBe('https://example.com/%252541')
  })
})
