/** Which parts of a comment body become links: http(s) URLs only, checked by the URL parser. */

/** http(s) URLs in running text; what follows a URL's last letter (".", ")", ",") is usually prose. */
const URL_PATTERN = /\bhttps?:\/\/[^\s<>"'`]+/gi
const TRAILING_PUNCTUATION = /[.,;:!?)\]}'"]+$/

/** The href to use for `candidate`, or null when it is not a well-formed http(s) URL. */
export function safeHref(candidate: string): string | null {
  try {
    const url = new URL(candidate)
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null
  } catch {
    return null
  }
}

/** A comment body split into text and link pieces; every piece is plain text to React. */
export type BodyPiece = { kind: 'text'; text: string } | { kind: 'link'; text: string; href: string }

export function splitBody(body: string): BodyPiece[] {
  const pieces: BodyPiece[] = []
  let last = 0
  for (const match of body.matchAll(URL_PATTERN)) {
    const raw = match[0].replace(TRAILING_PUNCTUATION, '')
    const start = match.index
    const href = safeHref(raw)
    if (!href || raw === '') continue
    if (start > last) pieces.push({ kind: 'text', text: body.slice(last, start) })
    pieces.push({ kind: 'link', text: raw, href })
    last = start + raw.length
  }
  if (last < body.length) pieces.push({ kind: 'text', text: body.slice(last) })
  return pieces
}
