import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { TestBrowser } from '../helpers/browser-jar.js'
import {
  ann,
  bob,
  session,
  signedInBrowser,
  signIn,
  startSignIn,
  stopAtCallback,
  type SignInFixture,
} from '../helpers/sign-in-fixture.js'
import { startServer } from '../helpers/test-server.js'
import { waitFor } from '../helpers/wait-for.js'

describe('sign-in with OpenID Connect (a real provider on 127.0.0.1)', () => {
  let fixture: SignInFixture
  beforeEach(async () => {
    fixture = await startSignIn()
  })
  afterEach(async () => fixture.close())
  /** Why the server refused sign-ins, as it logged them. */
  const refusals = () =>
    fixture.running.logs.filter((line) => line.msg === 'sign-in refused').map((line) => String(line.reason))

  it('signs a person in: a session cookie, and the person made from the ID token and UserInfo', async () => {
    const browser = new TestBrowser()
    const answer = await signIn(fixture, browser, ann, '/d/notes?x=1')
    expect(answer.status).toBe(303)
    expect(answer.location).toBe(`${fixture.url}/d/notes?x=1`)
    const current = await session(browser, fixture.url)
    expect(current).toMatchObject({
      signedIn: true,
      isAdmin: false,
      person: { id: ann.sub, name: ann.name, email: ann.email },
    })
    expect(current.person!.colour).toMatch(/^#[0-9a-f]{6}$/)
    expect(current.csrfToken).toMatch(/^[A-Za-z0-9_-]{40,}$/)
  })

  it('sets the session cookie httpOnly and SameSite=Lax, not Secure over plain http', async () => {
    const browser = new TestBrowser()
    const callback = await stopAtCallback(fixture, browser, ann)
    const response = await fetch(callback, {
      redirect: 'manual',
      headers: { cookie: [...browser.cookies].map(([name, value]) => `${name}=${value}`).join('; ') },
    })
    const sessionCookie = response.headers.getSetCookie().find((line) => line.startsWith('tandem_session='))
    expect(sessionCookie).toMatch(/; HttpOnly/)
    expect(sessionCookie).toMatch(/; SameSite=Lax/)
    expect(sessionCookie).toMatch(/; Path=\//)
    expect(sessionCookie).not.toMatch(/Secure/)
  })

  it('refuses a callback whose state is not the one sent, and starts no session', async () => {
    const browser = new TestBrowser()
    const callback = new URL(await stopAtCallback(fixture, browser, ann))
    callback.searchParams.set('state', 'forged-state-value')
    const answer = await browser.request(callback.href)
    expect(answer.status).toBe(400)
    expect(answer.body).toContain('Sign-in did not complete')
    expect((await session(browser, fixture.url)).signedIn).toBe(false)
    expect(refusals()).toEqual([expect.stringMatching(/state/)])
  })

  it('refuses a replayed authorization code, even with the sign-in state cookie put back', async () => {
    const browser = new TestBrowser()
    const callback = await stopAtCallback(fixture, browser, ann)
    const loginState = browser.cookies.get('tandem_login')!
    expect((await browser.request(callback)).status).toBe(303)
    const attacker = new TestBrowser()
    attacker.cookies.set('tandem_login', loginState)
    const replay = await attacker.request(callback)
    expect(replay.status).toBe(400)
    expect((await session(attacker, fixture.url)).signedIn).toBe(false)
    // The provider refused the code (it is single-use), not our own checks.
    expect(refusals()).toEqual([expect.stringMatching(/invalid_grant|grant request is invalid/)])
  })

  it('refuses a callback without the sign-in state cookie (begun in another browser)', async () => {
    const callback = await stopAtCallback(fixture, new TestBrowser(), ann)
    const other = new TestBrowser()
    const answer = await other.request(callback)
    expect(answer.status).toBe(400)
    expect(answer.body).toContain('began in another browser')
  })

  it('treats a tampered session cookie as signed out', async () => {
    const { browser } = await signedInBrowser(fixture, ann)
    const value = browser.cookies.get('tandem_session')!
    browser.cookies.set('tandem_session', `${value.slice(0, -2)}${value.endsWith('AA') ? 'BB' : 'AA'}`)
    expect((await session(browser, fixture.url)).signedIn).toBe(false)
    expect((await browser.json(`${fixture.url}/api/me/documents`)).status).toBe(401)
  })

  it('returns only to paths on this server after sign-in', async () => {
    const browser = new TestBrowser()
    const answer = await signIn(fixture, browser, ann, '//evil.example/steal')
    expect(answer.location).toBe(`${fixture.url}/`)
  })

  it('refuses a cookie-authorised change without the CSRF header, or with a wrong one', async () => {
    const { browser, csrf } = await signedInBrowser(fixture, ann)
    const noHeader = await browser.json(`${fixture.url}/auth/token`, 'POST', { docId: 'csrf-doc' })
    expect(noHeader.status).toBe(403)
    expect(noHeader.json.message).toMatch(/X-CSRF-Token/)
    const wrong = await browser.json(
      `${fixture.url}/auth/token`,
      'POST',
      { docId: 'csrf-doc' },
      { 'x-csrf-token': 'x' },
    )
    expect(wrong.status).toBe(403)
    const share = await browser.json(`${fixture.url}/api/docs/csrf-doc/sharing/people/bob@example.com`, 'PUT', {
      role: 'edit',
    })
    expect(share.status).toBe(403)
    const logout = await browser.json(`${fixture.url}/auth/logout`, 'POST', {})
    expect(logout.status).toBe(403)
    expect((await session(browser, fixture.url)).signedIn).toBe(true)
    // The same requests with the header go through.
    expect((await browser.json(`${fixture.url}/auth/token`, 'POST', { docId: 'csrf-doc' }, csrf)).status).toBe(200)
  })

  it('signs out: the session ends and the provider is asked to end its own (RP-initiated logout)', async () => {
    const { browser, csrf } = await signedInBrowser(fixture, ann)
    const cookie = browser.cookies.get('tandem_session')!
    const answer = await browser.json(`${fixture.url}/auth/logout`, 'POST', {}, csrf)
    expect(answer.status).toBe(200)
    const redirectTo = new URL(answer.json.redirectTo as string)
    expect(redirectTo.origin).toBe(fixture.provider.issuer)
    expect(redirectTo.searchParams.get('id_token_hint')).toBeTruthy()
    expect(redirectTo.searchParams.get('post_logout_redirect_uri')).toBe(`${fixture.url}/`)
    expect(browser.cookies.has('tandem_session')).toBe(false)
    // The provider accepts the hint and the registered redirect: it asks to confirm signing out.
    const providerPage = await browser.request(redirectTo.href)
    expect(providerPage.status).toBe(200)
    expect(providerPage.body).toContain('logout')
    // The old cookie, kept by someone, no longer works.
    const stale = new TestBrowser()
    stale.cookies.set('tandem_session', cookie)
    expect((await session(stale, fixture.url)).signedIn).toBe(false)
  })

  it('signs out everywhere: every session of the person ends, nobody else’s', async () => {
    const laptop = await signedInBrowser(fixture, ann)
    const phone = await signedInBrowser(fixture, ann)
    const other = await signedInBrowser(fixture, bob)
    expect((await laptop.call('/auth/logout', 'POST', { everywhere: true })).status).toBe(200)
    expect((await session(phone.browser, fixture.url)).signedIn).toBe(false)
    expect((await session(laptop.browser, fixture.url)).signedIn).toBe(false)
    expect((await session(other.browser, fixture.url)).signedIn).toBe(true)
  })

  it('keeps email empty (so nothing is shared by it) when the provider says it is unverified', async () => {
    const browser = new TestBrowser()
    await signIn(fixture, browser, { sub: 'sub-eve', name: 'Eve', email: 'ann@example.com', emailVerified: false })
    expect((await session(browser, fixture.url)).person).toMatchObject({ id: 'sub-eve', email: null })
  })
})

describe('session expiry', () => {
  let fixture: SignInFixture
  beforeEach(async () => {
    fixture = await startSignIn({ signIn: { sessionTtlMs: 1_500 } })
  })
  afterEach(async () => fixture.close())

  it('ends a session at its expiry', async () => {
    const { browser } = await signedInBrowser(fixture, ann)
    expect((await session(browser, fixture.url)).signedIn).toBe(true)
    await waitFor(async () => !(await session(browser, fixture.url)).signedIn, { description: 'session expired' })
    expect((await browser.json(`${fixture.url}/api/me/documents`)).status).toBe(401)
  })
})

describe('without OIDC_ISSUER', () => {
  it('serves nothing about sign-in', async () => {
    const running = await startServer()
    try {
      for (const path of ['/auth/login', '/auth/session', '/api/me/documents']) {
        expect((await fetch(`${running.httpUrl}${path}`, { redirect: 'manual' })).status, path).toBe(404)
      }
    } finally {
      await running.close()
    }
  })
})
