import type { ReactNode } from 'react'
import { splitMentions } from '../../../shared/mentions.js'
import { splitBody } from './comment-links.js'

/**
 * A comment's body as text: React escapes it, so `<img onerror>` shows as its characters. Mentions
 * (`@[name](email)`, shared/mentions.ts) show as a highlighted `@name`, the address in its tooltip;
 * only http(s) URLs become links, opening in a new tab without giving it `window.opener` or a referrer.
 */
export function CommentBody({ body }: { body: string }): ReactNode {
  return (
    <p className="tandem-comment__body">
      {splitMentions(body).map((part, index) =>
        part.kind === 'mention' ? (
          <span key={index} className="tandem-mention" title={part.email} data-mention={part.email}>
            @{part.name}
          </span>
        ) : (
          <TextWithLinks key={index} text={part.text} />
        ),
      )}
    </p>
  )
}

function TextWithLinks({ text }: { text: string }): ReactNode {
  return splitBody(text).map((piece, index) =>
    piece.kind === 'link' ? (
      <a key={index} href={piece.href} target="_blank" rel="noopener noreferrer">
        {piece.text}
      </a>
    ) : (
      <span key={index}>{piece.text}</span>
    ),
  )
}
