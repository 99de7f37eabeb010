import type { ReactNode } from 'react'

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

/**
 * A comment's body as text: React escapes it, so `<img onerror>` shows as its characters. Only
 * http(s) URLs become links, opening in a new tab without giving it `window.opener` or a referrer.
 */
export function CommentBody({ body }: { body: string }): ReactNode {
  return (
    <p className="tandem-comment__body">
      {splitBody(body).map((piece, index) =>
        piece.kind === 'link' ? (
          <a key={index} href={piece.href} target="_blank" rel="noopener noreferrer">
            {piece.text}
          </a>
        ) : (
          <span key={index}>{piece.text}</span>
        ),
      )}
    </p>
  )
}
