import { describe, expect, it } from 'vitest'
import { tokenRole } from '../../client/editor/comments/token-claims.js'
import { isRole, Role, ROLES } from '../../shared/roles.js'

/** An unsigned token carrying `claims` (the client reads claims without verifying). */
function jwt(claims: Record<string, unknown>): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
  return `${encode({ alg: 'HS256' })}.${encode(claims)}.signature`
}

describe('roles, one definition for both sides', () => {
  it('lists the three roles weakest first', () => {
    expect(ROLES).toEqual([Role.View, Role.Comment, Role.Edit])
  })

  it('accepts exactly the three roles', () => {
    for (const role of ROLES) expect(isRole(role)).toBe(true)
    for (const other of ['admin', 'EDIT', '', null, undefined, 1]) expect(isRole(other)).toBe(false)
  })

  it("the client reads a token's role claim only when it is one of them", () => {
    expect(tokenRole(jwt({ role: 'comment' }))).toBe('comment')
    expect(tokenRole(jwt({ role: 'owner' }))).toBeNull()
    expect(tokenRole(jwt({}))).toBeNull()
    expect(tokenRole(undefined)).toBeNull()
  })
})
