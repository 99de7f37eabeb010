import net from 'node:net'
import { expect } from 'vitest'
import type { ServerOptions } from '../../server/create-server.js'
import type { SignInSettings } from '../../server/auth/sign-in.js'
import { TestBrowser } from './browser-jar.js'
import { startTestProvider, type TestAccount, type TestProvider } from './oidc-provider.js'
import { startServer, type RunningServer } from './test-server.js'

export const SIGN_IN_SECRET = 'sign-in-test-secret-long-enough-for-hs256'
/** Revocations are read this often in these tests, so removals act within a fraction of a second. */
export const SIGN_IN_POLL_MS = 100

export const ann: TestAccount = { sub: 'sub-ann', name: 'Ann Example', email: 'ann@example.com' }
export const bob: TestAccount = { sub: 'sub-bob', name: 'Bob Example', email: 'Bob@Example.com' }
export const cat: TestAccount = { sub: 'sub-cat', name: 'Cat Admin', email: 'cat@example.com' }

/** A port free now (the server must know its PUBLIC_URL, hence its port, before it listens). */
export async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

export interface SignInFixture {
  provider: TestProvider
  running: RunningServer
  url: string
  /** Starts another instance on the same storage and provider settings (PUBLIC_URL stays the first's). */
  startInstance(options?: ServerOptions): Promise<RunningServer>
  close(): Promise<void>
}

/** A real OpenID provider and a Tandem server signing in through it (cat@example.com administers). */
export async function startSignIn(
  options: Omit<ServerOptions, 'signIn'> & { signIn?: Partial<SignInSettings> } = {},
): Promise<SignInFixture> {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const provider = await startTestProvider(url)
  const settings = (): ServerOptions => ({
    authSecret: SIGN_IN_SECRET,
    ...options,
    limits: { revocationPollMs: SIGN_IN_POLL_MS, ...options.limits },
    signIn: {
      issuer: provider.issuer,
      clientId: provider.clientId,
      clientSecret: provider.clientSecret,
      publicUrl: url,
      adminEmails: ['cat@example.com'],
      ...options.signIn,
    },
  })
  const running = await startServer({ ...settings(), port })
  const others: RunningServer[] = []
  return {
    provider,
    running,
    url,
    startInstance: async (extra = {}) => {
      const instance = await startServer({ ...settings(), ...extra })
      others.push(instance)
      return instance
    },
    close: async () => {
      for (const instance of others) await instance.close()
      await running.close()
      await provider.close()
    },
  }
}

/**
 * Signs `account` in through the provider as a browser would, and returns the callback's answer
 * (a redirect to `returnTo` with the session cookie set).
 */
export async function signIn(
  fixture: SignInFixture,
  browser: TestBrowser,
  account: TestAccount,
  returnTo = '/',
  instanceUrl = fixture.url,
) {
  const callback = await stopAtCallback(fixture, browser, account, returnTo, instanceUrl)
  return browser.request(callback)
}

/** Runs sign-in up to the provider's redirect to /auth/callback and returns that URL (not yet visited). */
export async function stopAtCallback(
  fixture: SignInFixture,
  browser: TestBrowser,
  account: TestAccount,
  returnTo = '/',
  instanceUrl = fixture.url,
): Promise<string> {
  fixture.provider.signInAs(account)
  const isCallback = (next: string) => next.startsWith(`${fixture.url}/auth/callback`)
  const hop = await browser.follow(`${instanceUrl}/auth/login?returnTo=${encodeURIComponent(returnTo)}`, isCallback)
  expect(hop.location, `sign-in stopped at ${hop.url} (${hop.status}): ${hop.body.slice(0, 200)}`).toMatch(
    /\/auth\/callback\?/,
  )
  return hop.location!
}

/** The browser's session as /auth/session reports it. */
export async function session(browser: TestBrowser, url: string) {
  return (await browser.json(`${url}/auth/session`)).json as {
    signedIn: boolean
    csrfToken?: string
    isAdmin?: boolean
    person?: { id: string; name: string; email: string | null; colour: string }
  }
}

/** A signed-in browser with its CSRF header ready. */
export async function signedInBrowser(fixture: SignInFixture, account: TestAccount) {
  const browser = new TestBrowser()
  const answer = await signIn(fixture, browser, account)
  expect(answer.status).toBe(303)
  const { csrfToken } = await session(browser, fixture.url)
  const csrf = { 'x-csrf-token': csrfToken! }
  return {
    browser,
    csrf,
    /** A document token for `docId` as the app asks for one. */
    token: (docId: string) => browser.json(`${fixture.url}/auth/token`, 'POST', { docId }, csrf),
    /** A cookie-authorised JSON request with the CSRF header. */
    call: (path: string, method = 'GET', body?: unknown) => browser.json(`${fixture.url}${path}`, method, body, csrf),
  }
}
