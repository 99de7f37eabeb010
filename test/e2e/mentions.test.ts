import type { BrowserContext, Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import type { TestAccount } from '../helpers/oidc-provider.js'
import { ann, bob } from '../helpers/sign-in-fixture.js'
import { commentsLandmark, selectText } from './helpers/comments-page.js'
import { eventually, focusEnd, syncState, uniqueDocId } from './helpers/editor-page.js'
import { signedInPage, useSignInApp } from './helpers/sign-in-app.js'

const app = useSignInApp()
const signedIn = (context: BrowserContext, account: TestAccount): Promise<Page> => signedInPage(app, context, account)

/** Shares the document with `email` as a commenter, as the owner's Share dialog does. */
function shareFrom(page: Page, docId: string, email: string): Promise<number> {
  return page.evaluate<number>(`(async () => {
    const session = await (await fetch('/auth/session')).json()
    const answer = await fetch('/api/docs/${docId}/sharing/people/${encodeURIComponent(email)}', {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken },
      body: JSON.stringify({ role: 'comment' }),
    })
    return answer.status
  })()`)
}

describe('mentions in the web app', { timeout: 120_000 }, () => {
  it('Ann mentions Bob from the composer; Bob finds it under "Mentions" and lands on the thread', async () => {
    const annContext = await app.browser.newContext({ viewport: { width: 1200, height: 800 } })
    const bobContext = await app.browser.newContext({ viewport: { width: 1200, height: 800 } })
    try {
      // Bob has signed in before, so the document can name him.
      const bobPage = await signedIn(bobContext, bob)
      const annPage = await signedIn(annContext, ann)
      const docId = uniqueDocId('mentions')
      // Opening a new id makes Ann its owner: the app asks /auth/token for it.
      await annPage.goto(`${app.fixture.url}/d/${docId}`)
      await annPage.locator('.ProseMirror[contenteditable="true"]').waitFor()
      await focusEnd(annPage)
      await annPage.keyboard.type('We launch in May.')
      await eventually(() => syncState(annPage)).toBe('saved')
      expect(await shareFrom(annPage, docId, bob.email)).toBe(200)

      await selectText(annPage, 'May')
      await annPage.getByRole('button', { name: 'Comment', exact: true }).click()
      // On a sign-in server the comment box is a combobox: `@` offers the people with access.
      const box = commentsLandmark(annPage).getByRole('combobox', { name: 'Comment', exact: true })
      await box.waitFor()
      await annPage.keyboard.type('Can you confirm, @Bo')
      const list = annPage.getByRole('listbox', { name: 'People with access' })
      await list.waitFor()
      const option = list.getByRole('option', { name: /Bob Example/ })
      expect(await option.getAttribute('aria-selected')).toBe('true')
      expect(await box.getAttribute('aria-expanded')).toBe('true')
      expect(await box.getAttribute('aria-activedescendant')).toBe(await option.getAttribute('id'))
      await annPage.screenshot({ path: 'test-results/mentions-picker-light.png' })
      await annPage.keyboard.press('Enter')
      await list.waitFor({ state: 'detached' })
      await annPage.keyboard.type('?')
      expect(await box.inputValue()).toBe('Can you confirm, @[Bob Example](bob@example.com) ?')
      await box.press('Control+Enter')

      // The posted comment shows the mention as a highlighted name, not as its markup.
      const mention = commentsLandmark(annPage).locator('.tandem-mention', { hasText: '@Bob Example' })
      await mention.waitFor()
      expect(await mention.getAttribute('title')).toBe('bob@example.com')

      // Bob, on the list page, sees one unread mention.
      await bobPage.reload()
      const inboxButton = bobPage.getByRole('button', { name: 'Mentions, 1 unread' })
      await inboxButton.waitFor()
      await bobPage.screenshot({ path: 'test-results/mentions-badge-light.png' })
      await inboxButton.click()
      const panel = bobPage.getByRole('dialog', { name: 'Mentions' })
      const item = panel.getByRole('link', { name: /Ann Example mentioned you in/ })
      await item.waitFor()
      expect(await item.textContent()).toContain('Can you confirm, @Bob Example ?')
      // Opening the inbox marks what it shows read.
      await bobPage.getByRole('button', { name: 'Mentions', exact: true }).waitFor()
      await bobPage.screenshot({ path: 'test-results/mentions-inbox-light.png' })
      await bobPage.emulateMedia({ colorScheme: 'dark' })
      await bobPage.screenshot({ path: 'test-results/mentions-inbox-dark.png' })
      await bobPage.setViewportSize({ width: 390, height: 800 })
      await bobPage.screenshot({ path: 'test-results/mentions-inbox-phone-dark.png' })
      await bobPage.emulateMedia({ colorScheme: 'light' })
      await bobPage.screenshot({ path: 'test-results/mentions-inbox-phone-light.png' })
      await bobPage.setViewportSize({ width: 1200, height: 800 })

      await item.click()
      await bobPage.waitForURL((address) => address.pathname === `/d/${docId}` && address.hash.startsWith('#thread-'))
      const activeCard = commentsLandmark(bobPage).locator('article.tandem-thread[data-active]')
      await activeCard.waitFor()
      expect(await activeCard.textContent()).toContain('@Bob Example')
      await bobPage.screenshot({ path: 'test-results/mentions-thread-light.png' })
    } finally {
      await annContext.close()
      await bobContext.close()
    }
  })

  it('offers to share with an address that has no access, and Escape closes only the list', async () => {
    const context = await app.browser.newContext({ viewport: { width: 390, height: 800 }, colorScheme: 'dark' })
    try {
      const page = await signedIn(context, ann)
      const docId = uniqueDocId('mention-share')
      await page.goto(`${app.fixture.url}/d/${docId}`)
      await page.locator('.ProseMirror[contenteditable="true"]').waitFor()
      expect(await shareFrom(page, docId, bob.email)).toBe(200)
      // A phone: the comments are a panel, opened from the toolbar.
      await page.locator('button[aria-controls^="tandem-comments-"]').click()
      await commentsLandmark(page).getByRole('button', { name: 'Comment on the document' }).click()
      const box = commentsLandmark(page).getByRole('combobox', { name: 'Comment on the document' })
      await box.waitFor()

      await page.keyboard.type('@b')
      const list = page.getByRole('listbox', { name: 'People with access' })
      await list.waitFor()
      await page.keyboard.press('Escape')
      await list.waitFor({ state: 'detached' })
      expect(await box.inputValue()).toBe('@b')
      await page.keyboard.press('Backspace')
      await page.keyboard.type('eve@example.com')
      const notice = commentsLandmark(page).getByRole('status').filter({ hasText: 'has no access' })
      await notice.waitFor()
      expect(await notice.textContent()).toContain('eve@example.com has no access to this document.')
      await page.screenshot({ path: 'test-results/mentions-no-access-phone-dark.png' })
      await notice.getByRole('button', { name: 'Share (can comment)' }).click()
      await eventually(() => box.inputValue()).toBe('@[eve@example.com](eve@example.com) ')
      await notice.waitFor({ state: 'detached' })
      const shares = await page.evaluate<{ email: string; role: string }[]>(
        `fetch('/api/docs/${docId}/sharing').then((answer) => answer.json()).then((sharing) => sharing.shares)`,
      )
      expect(shares).toContainEqual(expect.objectContaining({ email: 'eve@example.com', role: 'comment' }))
    } finally {
      await context.close()
    }
  })
})
