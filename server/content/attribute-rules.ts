import { MAX_ATTRIBUTE_CHARS } from '../../shared/limits.js'
import {
  MAX_SUGGESTION_AUTHOR_NAME_CHARS,
  SUGGESTION_AUTHOR_PATTERN,
  SUGGESTION_ID_PATTERN,
  SuggestionMarkName,
} from '../../shared/suggestions/suggestion-marks.js'

type Rule = (value: unknown) => boolean

const integer =
  (min: number, max: number): Rule =>
  (value) =>
    Number.isInteger(value) && (value as number) >= min && (value as number) <= max
const oneOf =
  (...allowed: unknown[]): Rule =>
  (value) =>
    allowed.includes(value)
const matching =
  (pattern: RegExp): Rule =>
  (value) =>
    value === null || (typeof value === 'string' && pattern.test(value))

/**
 * What each declared attribute may hold. Renderers trust these values: the Markdown serializer
 * writes `'#'.repeat(level)` (a level of -1 throws) and puts a code block's language right after
 * the opening fence (a newline in it would end the fence and start live Markdown). A value that
 * breaks its rule is dropped and the attribute's default applies. URL attributes are the URL
 * policy's (shared/url-policy.ts), not these rules'.
 */
const RULES: Record<string, Record<string, Rule>> = {
  heading: { level: integer(1, 6) },
  orderedList: { start: integer(0, 999_999_999), type: oneOf(null, '1', 'a', 'A', 'i', 'I') },
  codeBlock: { language: matching(/^[\w+#.-]{1,40}$/) },
  taskItem: { checked: (value) => typeof value === 'boolean' },
  tableCell: cellRules(),
  tableHeader: cellRules(),
  image: {
    size: oneOf('small', 'medium', 'full'),
    align: oneOf('left', 'center', 'right'),
    uploadId: matching(/^[\w-]{1,64}$/),
    width: (value) => value === null || integer(1, 100_000)(value),
    height: (value) => value === null || integer(1, 100_000)(value),
    alt: (value) => value === null || isPlainValue(value),
    title: (value) => value === null || isPlainValue(value),
  },
  [SuggestionMarkName.Insertion]: suggestionRules(),
  [SuggestionMarkName.Deletion]: suggestionRules(),
  [SuggestionMarkName.Format]: {
    ...suggestionRules(),
    added: markList,
    removed: markList,
  },
  link: {
    target: oneOf(null, '_blank'),
    rel: matching(/^[a-z ]{0,100}$/),
    class: matching(/^[\w -]{0,200}$/),
    title: (value) => value === null || typeof value === 'string',
  },
}

function cellRules(): Record<string, Rule> {
  return {
    colspan: integer(1, 1000),
    rowspan: integer(1, 1000),
    colwidth: (value) =>
      value === null || (Array.isArray(value) && value.length <= 1000 && value.every(integer(0, 100_000))),
    align: oneOf(null, 'left', 'center', 'right'),
  }
}

function suggestionRules(): Record<string, Rule> {
  return {
    id: matching(SUGGESTION_ID_PATTERN),
    author: matching(SUGGESTION_AUTHOR_PATTERN),
    authorName: (value) =>
      value === null || (isPlainValue(value) && String(value).length <= MAX_SUGGESTION_AUTHOR_NAME_CHARS),
    at: (value) => value === null || integer(0, Number.MAX_SAFE_INTEGER)(value),
  }
}

/** A format suggestion's marks: up to 20 `{ type, attrs? }` with a mark-name type. */
function markList(value: unknown): boolean {
  return (
    Array.isArray(value) &&
    value.length <= 20 &&
    value.every(
      (mark) =>
        mark !== null &&
        typeof mark === 'object' &&
        typeof (mark as { type?: unknown }).type === 'string' &&
        /^[A-Za-z]{1,40}$/.test((mark as { type: string }).type),
    )
  )
}

/** For an attribute without a rule of its own: plain JSON scalars, strings without control characters. */
function isPlainValue(value: unknown): boolean {
  if (value === null || typeof value === 'boolean') return true
  if (typeof value === 'number') return Number.isFinite(value)
  // eslint-disable-next-line no-control-regex -- control characters are what the rule refuses
  return typeof value === 'string' && !/[\u0000-\u0008\u000b-\u001f\u007f]/.test(value)
}

/** True when `value` may stay in attribute `name` of the node or mark type `typeName`. */
export function isAllowedAttributeValue(typeName: string, name: string, value: unknown): boolean {
  if (value === undefined) return false
  if ((JSON.stringify(value)?.length ?? 0) > MAX_ATTRIBUTE_CHARS) return false
  const rule = RULES[typeName]?.[name]
  return rule ? rule(value) : isPlainValue(value)
}
