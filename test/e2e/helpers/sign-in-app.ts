import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll } from 'vitest'
import type { TestAccount } from '../../helpers/oidc-provider.js'
import { startSignIn, type SignInFixture } from '../../helpers/sign-in-fixture.js'
import { ensureWebAppBuilt } from './app-server.js'
import { launchChromium } from './browser.js'

export interface SignInApp {
  readonly browser: Browser
  /** The real OpenID provider and the Tandem server signing in through it. */
  readonly fixture: SignInFixture
}

/**
 * Chromium and a Tandem server that signs in through a real OpenID provider, for the e2e file that
 * calls this at its top level: started before its tests, closed after them. Read the fields inside
 * tests and hooks (they are set once `beforeAll` has run).
 */
export function useSignInApp(): SignInApp {
  let browser: Browser | undefined
  let fixture: SignInFixture | undefined
  beforeAll(async () => {
    // Built first: the server looks for the web app when it starts.
    await ensureWebAppBuilt()
    ;[browser, fixture] = await Promise.all([launchChromium(), startSignIn()])
  }, 180_000)
  afterAll(async () => {
    await browser?.close()
    await fixture?.close()
  })
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('useSignInApp: read inside a test or hook, after beforeAll')
    return value
  }
  return {
    get browser() {
      return started(browser)
    },
    get fixture() {
      return started(fixture)
    },
  }
}

/** A new page of `context`, signed in as `account` through the provider, on the list page. */
export async function signedInPage(app: SignInApp, context: BrowserContext, account: TestAccount): Promise<Page> {
  const page = await context.newPage()
  await page.goto(app.fixture.url)
  app.fixture.provider.signInAs(account)
  await page.getByRole('banner').getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('button', { name: 'Sign out' }).waitFor()
  return page
}
