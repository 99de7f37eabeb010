import { Window } from 'happy-dom'
import { marked, type Token } from 'marked'

/**
 * An oracle independent of the URL policy: a URL is harmful when a browser, after the decoding its
 * context does, would give it a scheme other than http, https or mailto, or send it to another host
 * without an explicit scheme. The checks below find every URL an export carries, the way a
 * downstream renderer would read it.
 */
const BASE = 'https://tandem.invalid/d/doc'
/** ftp is not in the policy, but it runs nothing either: GFM renderers autolink `ftp://` text a writer typed. */
const SAFE_PROTOCOLS = new Set(['http:', 'https:', 'mailto:', 'ftp:'])

const window = new Window()
const document = window.document

/** HTML character references decoded as an HTML parser would (what a Markdown renderer also does in destinations). */
export function decodeHtmlEntities(text: string): string {
  const textarea = document.createElement('textarea')
  textarea.innerHTML = text
  return textarea.value
}

/** True when a browser would run, load locally or send off-server this URL (given as the page would hold it). */
export function isHarmfulUrl(url: string): boolean {
  let parsed: URL
  try {
    parsed = new URL(url, BASE)
  } catch {
    return false // a URL the browser cannot parse goes nowhere
  }
  if (!SAFE_PROTOCOLS.has(parsed.protocol)) return true
  // eslint-disable-next-line no-control-regex -- browsers drop C0 controls and spaces around a scheme
  const hasScheme = /^[a-z][a-z0-9+.-]*:/i.test(url.replace(/[\u0000-\u0020]/g, ''))
  return !hasScheme && parsed.host !== new URL(BASE).host
}

/** Harmful URLs in an HTML fragment: every attribute that holds a URL, plus event handlers and scripts. */
export function harmfulInHtml(html: string): string[] {
  const container = document.createElement('div')
  container.innerHTML = html
  const found: string[] = []
  for (const element of container.querySelectorAll('*')) {
    if (['SCRIPT', 'IFRAME', 'OBJECT', 'EMBED'].includes(element.tagName)) found.push(`<${element.tagName}>`)
    for (const attribute of Array.from(element.attributes)) {
      const value = attribute.value ?? ''
      if (/^on/i.test(attribute.name)) found.push(`${attribute.name}=${value}`)
      if (/^(href|src|action|formaction|xlink:href|srcset|poster|background)$/i.test(attribute.name)) {
        if (isHarmfulUrl(value)) found.push(value)
      }
    }
  }
  return found
}

/** Harmful URLs in Markdown, read by a renderer that decodes entities in destinations and allows inline HTML. */
export function harmfulInMarkdown(markdown: string): string[] {
  const found: string[] = []
  const visit = (tokens: readonly Token[]) => {
    for (const token of tokens) {
      if ((token.type === 'link' || token.type === 'image') && 'href' in token) {
        const href = String(token.href)
        if (isHarmfulUrl(href) || isHarmfulUrl(decodeHtmlEntities(href))) found.push(href)
      }
      if (token.type === 'html' && 'raw' in token) found.push(...harmfulInHtml(String(token.raw)))
      // An image's description renders as its plain-text alt (CommonMark, and marked too), never as
      // markup: marked still lexes it into tokens, but a "link" in there is only alt text.
      if (token.type === 'image') continue
      // The children walkTokens would visit: inline tokens, list items, table cells.
      const children: Token[] = []
      if ('tokens' in token && Array.isArray(token.tokens)) children.push(...(token.tokens as Token[]))
      if (token.type === 'list' && 'items' in token) children.push(...(token.items as Token[]))
      if (token.type === 'table' && 'header' in token && 'rows' in token) {
        const cells = [token.header, ...(token.rows as unknown[][])].flat() as { tokens: Token[] }[]
        for (const cell of cells) children.push(...cell.tokens)
      }
      visit(children)
    }
  }
  visit(marked.lexer(markdown))
  // Autolinks and reference definitions are tokens too; anything else shaped like a scheme is text.
  return found
}

/** Harmful URLs among every string attribute value in editor JSON. */
export function harmfulInJson(json: unknown): string[] {
  const found: string[] = []
  const visit = (value: unknown, key: string | null) => {
    if (typeof value === 'string') {
      if (
        key !== null &&
        /^(href|src|url)$/i.test(key) &&
        (isHarmfulUrl(value) || isHarmfulUrl(decodeHtmlEntities(value)))
      ) {
        found.push(value)
      }
    } else if (Array.isArray(value)) {
      for (const item of value) visit(item, null)
    } else if (typeof value === 'object' && value !== null) {
      for (const [name, item] of Object.entries(value)) visit(item, name)
    }
  }
  visit(json, null)
  return found
}
