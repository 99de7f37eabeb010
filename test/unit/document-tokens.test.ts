import { describe, expect, it } from 'vitest'
import {
  DocumentTokens,
  RENEW_BEFORE_EXPIRY_MS,
  TokenRefused,
  type IssuedToken,
} from '../../client/app/document-tokens.js'
import type { Role } from '../../shared/roles.js'

const MINUTE_MS = 60_000
const SERVER_TTL_MS = 15 * MINUTE_MS

/** A token shaped as the server mints them (only the claims the cache reads; the signature is not checked here). */
function jwt(claims: Record<string, unknown>): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}.signature`
}

/**
 * A fake /auth/token: mints with the server's clock (`serverNow`, which may differ from the
 * browser's) and counts the requests.
 */
function fakeServer(options: { serverNow: () => number; ttlMs?: number; role?: () => Role }) {
  const asked: string[] = []
  let refusal: TokenRefused | null = null
  return {
    asked,
    refuseWith(error: TokenRefused | null) {
      refusal = error
    },
    issue: async (docId: string): Promise<IssuedToken> => {
      asked.push(docId)
      if (refusal) throw refusal
      const issuedAt = options.serverNow() + 1
      const role = options.role?.() ?? 'edit'
      return {
        token: jwt({ doc: docId, role, iat: issuedAt / 1000, n: asked.length }),
        role,
        signedIn: true,
        expiresAt: new Date(issuedAt + (options.ttlMs ?? SERVER_TTL_MS)).toISOString(),
      }
    },
  }
}

function setUp(options: { linkToken?: string; serverOffset?: number; ttlMs?: number; role?: () => Role } = {}) {
  let now = Date.parse('2026-12-06T05:00:00Z')
  const server = fakeServer({ serverNow: () => now + (options.serverOffset ?? 0), ...options })
  const tokens = new DocumentTokens({
    linkToken: () => options.linkToken,
    issue: server.issue,
    now: () => now,
  })
  return {
    tokens,
    server,
    advance(ms: number) {
      now += ms
    },
  }
}

describe('document tokens from the session', () => {
  it('keeps a token until shortly before it expires, then asks again', async () => {
    const { tokens, server, advance } = setUp()
    const first = await tokens.get('doc')
    expect(first).toMatchObject({ role: 'edit', source: 'session' })
    advance(SERVER_TTL_MS - RENEW_BEFORE_EXPIRY_MS - 1)
    expect(await tokens.get('doc')).toBe(first)
    expect(server.asked).toEqual(['doc'])

    advance(2)
    const second = await tokens.get('doc')
    expect(second?.token).not.toBe(first?.token)
    expect(server.asked).toEqual(['doc', 'doc'])
  })

  it('keeps one token per document', async () => {
    const { tokens, server } = setUp()
    const a = await tokens.get('a')
    const b = await tokens.get('b')
    expect(a?.token).not.toBe(b?.token)
    expect(await tokens.get('a')).toBe(a)
    expect(server.asked).toEqual(['a', 'b'])
  })

  it('renews short-lived tokens a quarter of their life before they end', async () => {
    const { tokens, server, advance } = setUp({ ttlMs: 40_000 })
    await tokens.get('doc')
    advance(29_000)
    await tokens.get('doc')
    expect(server.asked).toHaveLength(1)
    advance(2_000)
    await tokens.get('doc')
    expect(server.asked).toHaveLength(2)
  })

  it("times the renewal by the token's own lifetime, whatever the browser's clock says", async () => {
    // The server's clock is ten minutes ahead: its expiresAt looks 25 minutes away to this browser,
    // which would otherwise keep the token ten minutes after the server stopped taking it.
    const { tokens, server, advance } = setUp({ serverOffset: 10 * MINUTE_MS })
    await tokens.get('doc')
    advance(SERVER_TTL_MS - RENEW_BEFORE_EXPIRY_MS + 1)
    await tokens.get('doc')
    expect(server.asked).toHaveLength(2)
  })

  it('asks once for callers that ask at the same time', async () => {
    const { tokens, server } = setUp()
    const [a, b, c] = await Promise.all([tokens.get('doc'), tokens.get('doc'), tokens.get('doc')])
    expect(a).toBe(b)
    expect(b).toBe(c)
    expect(server.asked).toEqual(['doc'])
  })

  it('renews at once when asked to (access changed), and the new role comes with it', async () => {
    let role: Role = 'comment'
    const { tokens, server } = setUp({ role: () => role })
    expect((await tokens.get('doc'))?.role).toBe('comment')
    role = 'edit'
    expect((await tokens.renew('doc'))?.role).toBe('edit')
    expect(server.asked).toHaveLength(2)
  })

  it('passes a refusal on and keeps nothing, so the next call asks again', async () => {
    const { tokens, server } = setUp()
    await tokens.get('doc')
    server.refuseWith(new TokenRefused(403, 'you have no access to this document'))
    await expect(tokens.renew('doc')).rejects.toMatchObject({ status: 403 })
    await expect(tokens.get('doc')).rejects.toBeInstanceOf(TokenRefused)
    server.refuseWith(null)
    expect(await tokens.get('doc')).toMatchObject({ source: 'session' })
    expect(server.asked).toHaveLength(4)
  })

  it("uses a share link's token for its document instead of asking", async () => {
    const link = jwt({ doc: 'doc', role: 'comment' })
    const { tokens, server } = setUp({ linkToken: link })
    expect(await tokens.get('doc')).toEqual({ token: link, role: 'comment', source: 'link' })
    expect(server.asked).toEqual([])
  })

  it('has no token for the list without a link, and none at all where the server offers no sign-in', async () => {
    const { tokens, server } = setUp()
    expect(await tokens.get()).toBeNull()
    expect(server.asked).toEqual([])

    const open = new DocumentTokens({ linkToken: () => undefined, issue: async () => null })
    expect(await open.get('doc')).toBeNull()
  })
})
