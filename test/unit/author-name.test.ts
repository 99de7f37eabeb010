import { describe, expect, it } from 'vitest'
import { OPEN_PRINCIPAL } from '../../server/auth/authenticator.js'
import { ANONYMOUS_AUTHOR, authorName, MAX_AUTHOR_NAME_CHARS } from '../../server/sync/author-name.js'

const named = { ...OPEN_PRINCIPAL, name: 'Ann (token)' }

describe('authorName', () => {
  it('takes the name the token carries over anything the client shows', () => {
    expect(authorName(named, { user: { name: 'Mallory' } })).toBe('Ann (token)')
  })

  it("takes the client's own name from its awareness state, trimmed and cut", () => {
    expect(authorName(OPEN_PRINCIPAL, { user: { name: '  Bob  ' } })).toBe('Bob')
    expect(authorName(OPEN_PRINCIPAL, { user: { name: 'x'.repeat(500) } })).toHaveLength(MAX_AUTHOR_NAME_CHARS)
  })

  it('calls a client that named itself nowhere, or not with text, anonymous', () => {
    for (const state of [
      undefined,
      {},
      { user: null },
      { user: 'Bob' },
      { user: { name: 42 } },
      { user: { name: ' ' } },
    ]) {
      expect(authorName(OPEN_PRINCIPAL, state)).toBe(ANONYMOUS_AUTHOR)
    }
  })
})
