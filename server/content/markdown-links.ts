import type { JSONContent } from '@tiptap/core'

/**
 * Tiptap's Markdown serializer writes a link as `[text](${href} "${title}")` without escaping
 * either, so an allowed `https://a.com) [x](javascript:…` href, or a title holding `")`, would close
 * the link early and start a new one that a downstream Markdown renderer makes live. This escapes
 * both for the Markdown link syntax (CommonMark: backslash escapes work in destinations and titles)
 * before serialising; the URL it denotes is unchanged.
 */
export function escapeLinksForMarkdown(json: JSONContent): JSONContent {
  const marks = json.marks?.map((mark) =>
    mark.type === 'link' && mark.attrs ? { ...mark, attrs: escapeLinkAttrs(mark.attrs) } : mark,
  )
  return {
    ...json,
    ...(marks ? { marks } : {}),
    ...(json.content ? { content: json.content.map(escapeLinksForMarkdown) } : {}),
  }
}

function escapeLinkAttrs(attrs: Record<string, unknown>): Record<string, unknown> {
  const escaped = { ...attrs }
  if (typeof attrs.href === 'string') escaped.href = markdownDestination(attrs.href)
  if (typeof attrs.title === 'string') escaped.title = markdownTitle(attrs.title)
  return escaped
}

/** A bare destination may not hold spaces or `<`/`>` (percent-encoded, as browsers send them anyway); parentheses and backslashes are escaped. */
export function markdownDestination(href: string): string {
  return href.replace(/[\\()]/g, (char) => `\\${char}`).replace(/[\s<>]/g, (char) => encodeURIComponent(char))
}

/** A `"…"` title: quotes and backslashes escaped, line breaks (which could end the paragraph) made spaces. */
export function markdownTitle(title: string): string {
  return title.replace(/[\\"]/g, (char) => `\\${char}`).replace(/[\r\n]+/g, ' ')
}
