import { describe, expect, it } from 'vitest'
import { LoginStateSealer, safeReturnPath } from '../../server/auth/login-state.js'

const state = { state: 's'.repeat(43), nonce: 'n'.repeat(43), codeVerifier: 'v'.repeat(43), returnTo: '/d/plan' }

describe('LoginStateSealer', () => {
  it('opens what it sealed', async () => {
    const sealer = new LoginStateSealer('x'.repeat(32))
    expect(await sealer.open(await sealer.seal(state, 60))).toEqual(state)
  })

  it('refuses a value sealed with another secret, a tampered one, and none', async () => {
    const sealed = await new LoginStateSealer('x'.repeat(32)).seal(state, 60)
    const sealer = new LoginStateSealer('y'.repeat(32))
    expect(await sealer.open(sealed)).toBeNull()
    const own = await new LoginStateSealer('y'.repeat(32)).seal(state, 60)
    const parts = own.split('.')
    parts[3] = parts[3]!.slice(0, -2) + (parts[3]!.endsWith('AA') ? 'BB' : 'AA')
    expect(await sealer.open(parts.join('.'))).toBeNull()
    expect(await sealer.open(undefined)).toBeNull()
  })

  it('keeps the state secret from whoever reads the cookie', async () => {
    const sealed = await new LoginStateSealer('x'.repeat(32)).seal(state, 60)
    expect(Buffer.from(sealed.replaceAll('.', ''), 'base64url').toString('latin1')).not.toContain('v'.repeat(20))
  })
})

describe('safeReturnPath', () => {
  it('keeps paths on this server and turns everything else into /', () => {
    expect(safeReturnPath('/d/plan?x=1')).toBe('/d/plan?x=1')
    for (const outside of ['//evil.example', '/\\evil.example', 'https://evil.example', 'javascript:alert(1)', 42]) {
      expect(safeReturnPath(outside)).toBe('/')
    }
  })
})
