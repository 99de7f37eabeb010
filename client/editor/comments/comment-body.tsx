import type { ReactNode } from 'react'
import { splitBody } from './comment-links.js'

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
