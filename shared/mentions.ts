/**
 * Mentions in comment bodies (docs/protocol.md, "Mentions"). A mention is written into the body
 * itself as `@[Bob Example](bob@example.com)`, Markdown's link shape with an `@` in front:
 *
 * - the body stays one plain-text string, so the REST contract (`{ body }`) is unchanged, old
 *   clients keep posting plain bodies, and exports, webhooks and mail read naturally;
 * - the email is the key the server resolves (shares are by email, so a person can be mentioned
 *   before they first sign in); the name is only the label the author saw;
 * - a body that merely contains "@" (an address, "@Bob") is not a mention: only the full
 *   `@[name](email)` shape is, which nobody types by accident;
 * - editing the text edits the mentions: there is no second list to keep in step with it.
 *
 * The server (server/mentions) and the web app (comment-body.tsx, the composer) parse with this one
 * module, so they never disagree on what is a mention.
 */

/** Distinct people one comment may mention: enough for a team, too few to page a whole company. */
export const MAX_MENTIONS_PER_COMMENT = 20
/** Longest label kept in a mention, in characters (longer names are cut when the composer inserts them). */
export const MAX_MENTION_NAME_CHARS = 100
/** Longest email accepted (RFC 5321's path limit, as the sharing rules use). */
export const MAX_MENTION_EMAIL_CHARS = 320
/** Longest excerpt of a mentioning comment kept for the inbox, in characters. */
export const MAX_MENTION_EXCERPT_CHARS = 200

/** One person a comment mentions. */
export interface Mention {
  /** The label as written (what readers see after the `@`). */
  name: string
  /** Lowercased, as shares store it. */
  email: string
}

/** A comment body in pieces: plain text, and mentions (shown as `@name`, never as HTML). */
export type MentionPiece =
  { kind: 'text'; text: string } | { kind: 'mention'; text: string; name: string; email: string }

/**
 * `@[label](local@domain)`. Every quantifier is bounded and no class overlaps the character after
 * it (the label has no brackets, the local part no `@`, the domain no `)`), so a hostile body costs
 * at most a few hundred steps per `@[`, never catastrophic backtracking. Control characters, spaces
 * and the delimiters never appear inside an email.
 */
const MENTION_PATTERN =
  // eslint-disable-next-line no-control-regex
  /@\[([^[\]\u0000-\u001f\u007f]{1,100})\]\(([^\s()<>@,;:"[\]\\\u0000-\u001f\u007f]{1,200}@[^\s()<>@,;:"[\]\\\u0000-\u001f\u007f]{1,119})\)/g
/** What an email needs to look like for the composer to offer sharing with it: text@text.text. */
const EMAIL_SHAPE = /^[^\s()<>@,;:"[\]\\]{1,200}@[^\s()<>@,;:"[\]\\.]+(\.[^\s()<>@,;:"[\]\\.]+)+$/
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/g

/**
 * The body as text and mention pieces, in order; joined, the pieces' `text` is the body. Only the
 * first `maxPeople` distinct people are mentions: later new ones stay text (a person mentioned
 * again stays a mention).
 */
export function splitMentions(body: string, maxPeople = MAX_MENTIONS_PER_COMMENT): MentionPiece[] {
  const pieces: MentionPiece[] = []
  const seen = new Set<string>()
  let last = 0
  for (const match of body.matchAll(MENTION_PATTERN)) {
    const name = match[1]!.trim()
    const email = match[2]!.toLowerCase()
    if (name === '' || email.length > MAX_MENTION_EMAIL_CHARS) continue
    if (!seen.has(email)) {
      if (seen.size >= maxPeople) continue
      seen.add(email)
    }
    const start = match.index
    if (start > last) pieces.push({ kind: 'text', text: body.slice(last, start) })
    pieces.push({ kind: 'mention', text: match[0], name, email })
    last = start + match[0].length
  }
  if (last < body.length) pieces.push({ kind: 'text', text: body.slice(last) })
  return pieces
}

/** The distinct people the body mentions, in the order first mentioned (at most `maxPeople`). */
export function parseMentions(body: string, maxPeople = MAX_MENTIONS_PER_COMMENT): Mention[] {
  const mentions = new Map<string, Mention>()
  for (const piece of splitMentions(body, maxPeople)) {
    if (piece.kind === 'mention' && !mentions.has(piece.email)) {
      mentions.set(piece.email, { name: piece.name, email: piece.email })
    }
  }
  return [...mentions.values()]
}

/** A label a mention can carry: no brackets or control characters, trimmed, at most MAX_MENTION_NAME_CHARS. */
export function mentionLabel(name: string): string {
  const cleaned = name.replace(CONTROL_CHARACTERS, ' ').replace(/[[\]]/g, '').replace(/\s+/g, ' ').trim()
  return [...cleaned].slice(0, MAX_MENTION_NAME_CHARS).join('').trim()
}

/** The text that mentions `name` <`email`> in a body; the email stands in for a name that cleans to nothing. */
export function formatMention(name: string, email: string): string {
  const address = email.trim().toLowerCase()
  return `@[${mentionLabel(name) || mentionLabel(address)}](${address})`
}

/** True for text shaped like an email address that a mention can carry (the composer's "share with" offer). */
export function isMentionableEmail(text: string): boolean {
  return text.length <= MAX_MENTION_EMAIL_CHARS && EMAIL_SHAPE.test(text)
}

/**
 * The body as a reader sees it, mentions as `@name`, on one line and cut to `maxChars` (with an
 * ellipsis): the inbox's excerpt. Control characters (line breaks included) become spaces.
 */
export function mentionExcerpt(body: string, maxChars = MAX_MENTION_EXCERPT_CHARS): string {
  const text = splitMentions(body)
    .map((piece) => (piece.kind === 'mention' ? `@${piece.name}` : piece.text))
    .join('')
    .replace(CONTROL_CHARACTERS, ' ')
    .replace(/\s+/g, ' ')
    .trim()
  const chars = [...text]
  return chars.length <= maxChars ? text : `${chars.slice(0, maxChars - 1).join('')}…`
}

/** One mention of the signed-in person, as GET /api/me/mentions lists it (newest first). */
export interface InboxMention {
  id: string
  docId: string
  documentTitle: string
  threadId: string
  commentId: string
  /** The comment on one line, mentions as `@name`: plain text. */
  excerpt: string
  author: { id: string; name: string }
  /** ISO 8601. */
  createdAt: string
  isRead: boolean
}

/** One page of GET /api/me/mentions. */
export interface InboxPage {
  mentions: InboxMention[]
  /** Unread mentions in every page, not only this one. */
  unreadCount: number
  /** The cursor of the next (older) page, or null at the end. */
  next: string | null
}
