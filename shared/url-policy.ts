import { MAX_URL_LENGTH } from './limits.js'

/**
 * The one URL policy for everything a document can point at (docs/security.md, "URLs in
 * documents"). Client and server use this same code: the editor when it renders and creates
 * links, the server on import, on every write of content and on every export.
 *
 * A URL is kept only when every reading of it — as written, after HTML character references are
 * decoded, after percent-decoding, with whitespace and control characters removed, case folded —
 * is either a relative URL on this server or has a scheme allowed for its kind. The readings
 * matter because each consumer decodes differently: the HTML parser decodes `&#106;`, a Markdown
 * renderer decodes entities in link destinations, browsers drop tabs and newlines inside schemes.
 * Kept URLs are returned as written (only trimmed), so a good link is never rewritten.
 */

/** The kinds of URL a document holds; each attribute that holds a URL names its kind. */
export const UrlKind = {
  /** A link mark's `href`: navigated to on click. */
  Link: 'link',
  /** An image's `src`: fetched when the document is shown. */
  Image: 'image',
} as const
export type UrlKind = (typeof UrlKind)[keyof typeof UrlKind]

/** Schemes allowed per kind; anything else (javascript, data, vbscript, file, ftp, blob…) is dropped. */
export const ALLOWED_URL_SCHEMES: Record<UrlKind, readonly string[]> = {
  [UrlKind.Link]: ['http', 'https', 'mailto'],
  // An image is fetched, not navigated to: mailto means nothing there, and data: URLs are refused
  // (an SVG data URL can carry script, and images belong in the document's files).
  [UrlKind.Image]: ['http', 'https'],
}

/** C0 and C1 controls and DEL: never part of a real URL, and browsers strip some of them silently. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/
/**
 * Invisible formatting characters (soft hyphen, zero-width and bidi controls, BOM): browsers keep
 * them, but tools downstream may strip them and reveal a scheme; a real URL does not contain them.
 * Nor U+FFFD, which stands where a NUL or a broken byte was (the HTML parser turns `\0` into it).
 */
const INVISIBLE = /[\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufffd]/
/** What browsers strip from both ends of a URL: C0 controls and space (and we add Unicode spaces). */
// eslint-disable-next-line no-control-regex
const EDGES = /^[\u0000-\u0020\s]+|[\u0000-\u0020\s]+$/g
/** Everything a lenient consumer may drop from inside a URL: whitespace, controls, invisibles. */
// eslint-disable-next-line no-control-regex
const IGNORABLE = /[\s\u0000-\u001f\u007f-\u009f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufffd]/g
const SCHEME = /^([a-z][a-z0-9+.-]*):/
/** `//host` and its backslash spellings (browsers read `\` as `/` in http URLs) leave this server. */
const PROTOCOL_RELATIVE = /^[\\/]{2}/
/** Rounds of decoding before a URL still changing counts as hostile (nobody double-encodes a link 4 times). */
const MAX_DECODE_ROUNDS = 4

/**
 * Named character references that can spell part of a scheme, its colon or the whitespace around
 * it. Named references for ASCII letters do not exist in HTML, so this short list is enough.
 */
const NAMED_REFERENCES: Record<string, string> = {
  colon: ':',
  tab: '\t',
  newline: '\n',
  nbsp: ' ',
  sol: '/',
  bsol: '\\',
  amp: '&',
  num: '#',
  percnt: '%',
  period: '.',
  plus: '+',
  hyphen: '-',
  dash: '-',
  lpar: '(',
  rpar: ')',
  semi: ';',
  excl: '!',
  quot: '"',
  apos: "'",
  lt: '<',
  gt: '>',
}

/**
 * Returns the URL (trimmed) when `kind`'s policy allows it, else null. Anything that is not a
 * string, is empty, or longer than MAX_URL_LENGTH is null too.
 */
export function safeUrl(kind: UrlKind, value: unknown): string | null {
  if (typeof value !== 'string') return null
  const url = value.replace(EDGES, '')
  if (url === '' || url.length > MAX_URL_LENGTH) return null
  if (CONTROL.test(url) || INVISIBLE.test(url)) return null
  const readings = decodedReadings(url)
  if (!readings) return null
  return readings.every((reading) => isAllowedReading(kind, reading)) ? url : null
}

/** True when `kind`'s policy allows `value` (see safeUrl). */
export function isSafeUrl(kind: UrlKind, value: unknown): boolean {
  return safeUrl(kind, value) !== null
}

/** The URL as written and every decoding of it, or null when decoding does not settle. */
function decodedReadings(url: string): string[] | null {
  const readings = new Set([url])
  let frontier = [url]
  for (let round = 0; round < MAX_DECODE_ROUNDS && frontier.length > 0; round++) {
    const next: string[] = []
    for (const reading of frontier) {
      for (const decoded of [decodeCharacterReferences(reading), decodePercent(reading)]) {
        if (!readings.has(decoded)) {
          readings.add(decoded)
          next.push(decoded)
        }
      }
    }
    frontier = next
  }
  return frontier.length === 0 ? [...readings] : null
}

function isAllowedReading(kind: UrlKind, reading: string): boolean {
  // What a lenient consumer sees: no whitespace, controls or invisibles anywhere, compatibility
  // forms folded (fullwidth `ｊ` and `：` are `j` and `:` to some tools), case folded.
  const folded = reading.normalize('NFKC').replace(IGNORABLE, '').toLowerCase()
  const scheme = SCHEME.exec(folded)?.[1]
  if (scheme !== undefined) return ALLOWED_URL_SCHEMES[kind].includes(scheme)
  return !PROTOCOL_RELATIVE.test(folded)
}

/** Decodes numeric (`&#106;`, `&#x6A`, with or without `;`) and the named references above. */
function decodeCharacterReferences(text: string): string {
  return text.replace(
    /&(?:#(\d+)|#x([0-9a-f]+)|([a-z]+));?/gi,
    (match, decimal?: string, hex?: string, name?: string) => {
      if (name !== undefined) return NAMED_REFERENCES[name.toLowerCase()] ?? match
      const codePoint = decimal !== undefined ? Number.parseInt(decimal, 10) : Number.parseInt(hex ?? '', 16)
      // Out-of-range references decode to U+FFFD in HTML: not a scheme character either way.
      return codePoint > 0 && codePoint <= 0x10ffff ? String.fromCodePoint(codePoint) : '\ufffd'
    },
  )
}

/** `%6A` → `j`, byte by byte (enough to see ASCII schemes; never throws on malformed input). */
function decodePercent(text: string): string {
  return text.replace(/%([0-9a-f]{2})/gi, (_match, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
}

/**
 * Every attribute that holds a URL, by mark or node type name, with its kind. A new node or mark
 * with a URL attribute (the image's `src`) adds a line here and is then checked everywhere.
 */
export const URL_ATTRIBUTES: Readonly<Record<string, Readonly<Record<string, UrlKind>>>> = {
  link: { href: UrlKind.Link },
  image: { src: UrlKind.Image },
}
