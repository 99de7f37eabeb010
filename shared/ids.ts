/** Document ids reach SQL parameters, Redis keys, log lines and URLs, so the alphabet is closed. */
export const DOC_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/

export const DOC_ID_RULE = 'document ids must match [A-Za-z0-9_-]{1,128}'

export type DocId = string & { readonly __brand: 'DocId' }

export function isValidDocId(value: unknown): value is DocId {
  return typeof value === 'string' && DOC_ID_PATTERN.test(value)
}
