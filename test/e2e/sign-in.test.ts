import { describe, expect, it } from 'vitest'
import { startApp } from './helpers/app-server.js'
import { ann } from '../helpers/sign-in-fixture.js'
import { useSignInApp } from './helpers/sign-in-app.js'

const app = useSignInApp()

describe('sign-in in the web app', { timeout: 90_000 }, () => {
  it('offers "Sign in", signs in through the provider, shows the person, and signs out', async () => {
    const context = await app.browser.newContext()
    try {
      const page = await context.newPage()
      await page.goto(app.fixture.url)
      app.fixture.provider.signInAs(ann)
      await page.getByRole('button', { name: 'Sign in' }).click()
      // Through the provider and back: the person is shown with "Sign out".
      await page.getByRole('button', { name: 'Sign out' }).waitFor()
      expect(new URL(page.url()).pathname).toBe('/')
      await expect(page.locator('.account__name').textContent()).resolves.toBe(ann.name)
      await page.screenshot({ path: 'test-results/sign-in-signed-in.png' })
      await page.getByRole('button', { name: 'Sign out' }).click()
      // The provider asks to confirm ending its own session, then returns to Tandem, signed out.
      await page.getByRole('button', { name: 'Yes, sign me out' }).click()
      await page.getByRole('button', { name: 'Sign in' }).waitFor()
      expect(new URL(page.url()).origin).toBe(app.fixture.url)
    } finally {
      await context.close()
    }
  })
})

describe('the web app without OIDC_ISSUER', { timeout: 90_000 }, () => {
  it('shows nothing about sign-in', async () => {
    const withoutSignIn = await startApp()
    const context = await app.browser.newContext()
    try {
      const page = await context.newPage()
      const sessionAnswer = page.waitForResponse((response) => response.url().endsWith('/auth/session'))
      await page.goto(withoutSignIn.url)
      await page.getByRole('heading', { name: 'Documents' }).waitFor()
      // The app asked, and the server has no sign-in to offer.
      expect((await sessionAnswer).status()).toBe(404)
      expect(await page.getByRole('button', { name: 'Sign in' }).count()).toBe(0)
      expect(await page.locator('.account').count()).toBe(0)
    } finally {
      await context.close()
      await withoutSignIn.close()
    }
  })
})
