import { describe, expect, it } from 'vitest'
import { resolveConfig } from '../../server/config.js'

const complete = {
  OIDC_ISSUER: 'https://id.example.com/realms/team',
  OIDC_CLIENT_ID: 'tandem',
  OIDC_CLIENT_SECRET: 'client-secret',
  PUBLIC_URL: 'https://docs.example.com/',
  AUTH_SECRET: 'a'.repeat(32),
}

describe('sign-in settings', () => {
  it('are off by default', () => {
    expect(resolveConfig({}, {})).toMatchObject({ oidcIssuer: undefined, publicUrl: undefined, adminEmails: undefined })
  })

  it('read the provider, client, public URL (trailing slash dropped), scopes and admin emails (lowercased)', () => {
    const config = resolveConfig(
      {},
      { ...complete, OIDC_SCOPES: 'openid email', ADMIN_EMAILS: 'Cat@Example.com, dan@example.com' },
    )
    expect(config).toMatchObject({
      oidcIssuer: complete.OIDC_ISSUER,
      oidcClientId: 'tandem',
      oidcClientSecret: 'client-secret',
      publicUrl: 'https://docs.example.com',
      oidcScopes: 'openid email',
      adminEmails: ['cat@example.com', 'dan@example.com'],
    })
  })

  it('take flags like every setting', () => {
    expect(resolveConfig({ publicUrl: 'http://127.0.0.1:1234' }, complete).publicUrl).toBe('http://127.0.0.1:1234')
  })

  it('name every setting sign-in still needs, AUTH_SECRET included, without echoing secrets', () => {
    let message = ''
    try {
      resolveConfig({}, { OIDC_ISSUER: complete.OIDC_ISSUER })
    } catch (error) {
      message = (error as Error).message
    }
    for (const name of ['OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET', 'PUBLIC_URL', 'AUTH_SECRET']) {
      expect(message).toContain(`${name} (`)
    }
    expect(message).toContain('must be set with OIDC_ISSUER')
    expect(message).not.toContain('got')
  })

  it('refuse a plain-http provider elsewhere than this machine', () => {
    expect(() => resolveConfig({}, { ...complete, OIDC_ISSUER: 'http://id.example.com' })).toThrow(
      /OIDC_ISSUER .* must be an https:\/\/ URL/,
    )
    expect(resolveConfig({}, { ...complete, OIDC_ISSUER: 'http://127.0.0.1:8080/realms/dev' }).oidcIssuer).toBe(
      'http://127.0.0.1:8080/realms/dev',
    )
  })

  it('refuse a public URL with a path, and an admin entry that is not an email', () => {
    expect(() => resolveConfig({}, { ...complete, PUBLIC_URL: 'https://example.com/docs' })).toThrow(
      /PUBLIC_URL .* must be an origin/,
    )
    expect(() => resolveConfig({}, { ...complete, ADMIN_EMAILS: 'cat' })).toThrow(
      /ADMIN_EMAILS .* "cat" is not an email/,
    )
  })

  it('keep the client secret out of error messages', () => {
    expect(() => resolveConfig({}, { ...complete, OIDC_CLIENT_SECRET: '', OIDC_ISSUER: 'ftp://x' })).toThrow()
    try {
      resolveConfig({}, { ...complete, OIDC_ISSUER: 'ftp://x' })
    } catch (error) {
      expect((error as Error).message).not.toContain('client-secret')
    }
  })
})
