import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, describe, expect, it } from 'vitest'
import { commentOn, threadCard } from './helpers/comments-page.js'
import { editorText, eventually, focusEnd, syncState } from './helpers/editor-page.js'
import { signedInPage, useSignInApp } from './helpers/sign-in-app.js'
import { ann, bob } from '../helpers/sign-in-fixture.js'
import type { TestAccount } from '../helpers/oidc-provider.js'

/**
 * Issue 20's "Done when" in Chromium against a real OpenID provider: Ann signs in, writes, shares
 * with Bob by email through the Share dialog; Bob signs in, finds it under "Shared with me",
 * comments as a verified author, is raised to edit and types, is removed and loses access live.
 * The steps build on each other, in order.
 */

const WIDE = { width: 1200, height: 800 }
const PHONE = { width: 390, height: 844 }
const NO_ACCESS = 'You no longer have access to this document. Ask its owner to share it again.'

const app = useSignInApp()
const contexts: BrowserContext[] = []

afterAll(async () => {
  for (const context of contexts) await context.close()
})

/** A browser profile of its own, signed in as `account` through the provider, on the list page. */
async function signedIn(account: TestAccount): Promise<Page> {
  const context = await app.browser.newContext({ viewport: WIDE })
  contexts.push(context)
  return signedInPage(app, context, account)
}

function shareDialog(page: Page) {
  return page.getByRole('dialog', { name: 'Share' })
}

async function openShareDialog(page: Page) {
  await page.getByRole('button', { name: 'Share', exact: true }).click()
  const dialog = shareDialog(page)
  await dialog.getByRole('heading', { name: 'People with access' }).waitFor()
  return dialog
}

async function closeShareDialog(page: Page) {
  await shareDialog(page).getByRole('button', { name: 'Done' }).click()
  await eventually(() => shareDialog(page).count()).toBe(0)
}

/** The app follows the system's colour scheme until someone picks one. */
async function darkMode(page: Page) {
  await page.emulateMedia({ colorScheme: 'dark' })
}

async function lightMode(page: Page) {
  await page.emulateMedia({ colorScheme: 'light' })
}

describe('sharing with people in the web app', { timeout: 120_000 }, () => {
  let annPage: Page
  let bobPage: Page
  let docPath: string

  it('signed out, the list explains sign-in instead of failing', async () => {
    const context = await app.browser.newContext({ viewport: PHONE })
    contexts.push(context)
    const page = await context.newPage()
    await page.goto(app.fixture.url)
    await page.getByRole('heading', { name: 'Sign in to see your documents' }).waitFor()
    expect(await page.getByRole('main').getByRole('link', { name: 'Sign in' }).count()).toBe(1)
    expect(await page.getByRole('alert').count()).toBe(0)
    expect(await page.getByRole('button', { name: 'New document' }).count()).toBe(0)
    await page.screenshot({ path: 'test-results/sharing-signed-out-phone.png' })
  })

  it('Ann signs in, creates a document from the list and writes in it', async () => {
    annPage = await signedIn(ann)
    await annPage.getByRole('heading', { name: 'My documents', level: 2 }).waitFor()
    await annPage.getByRole('heading', { name: 'Shared with me', level: 2 }).waitFor()
    await annPage.getByRole('button', { name: 'New document' }).click()
    await annPage.locator('.ProseMirror[contenteditable="true"]').waitFor()
    docPath = new URL(annPage.url()).pathname
    expect(docPath).toMatch(/^\/d\/[A-Za-z0-9_-]+$/)

    const title = annPage.getByRole('textbox', { name: 'Document title' })
    await title.fill('Trip plans')
    await title.press('Enter')
    await focusEnd(annPage)
    await annPage.keyboard.type('Pack the tent')
    await eventually(() => syncState(annPage)).toBe('saved')
    // Her verified name and colour, not one to edit here.
    await annPage.getByRole('img', { name: `You are ${ann.name} (signed in)` }).waitFor()
    expect(await annPage.getByRole('button', { name: /Change your name or colour/ }).count()).toBe(0)

    // The list now has it under "My documents", and under "Recent".
    await annPage.getByRole('link', { name: 'All documents', exact: true }).click()
    await annPage.getByRole('list', { name: 'My documents' }).getByText('Trip plans').waitFor()
    await annPage.getByRole('list', { name: 'Recent' }).getByText('Trip plans').waitFor()
    await annPage.screenshot({ path: 'test-results/sharing-list-wide-light.png' })
    await annPage.goto(`${app.fixture.url}${docPath}`)
    await eventually(() => editorText(annPage)).toBe('Pack the tent')
  })

  it('the Share dialog refuses a bad address in the dialog, and closes with Escape', async () => {
    const dialog = await openShareDialog(annPage)
    await dialog.getByRole('textbox', { name: 'Add people' }).fill('not-an-address')
    await dialog.getByRole('button', { name: 'Add', exact: true }).click()
    await eventually(() => dialog.getByRole('alert').textContent()).toContain('is not an email address')
    await annPage.keyboard.press('Escape')
    await eventually(() => shareDialog(annPage).count()).toBe(0)
  })

  it('Ann shares it with Bob by email, with the comment role', async () => {
    const dialog = await openShareDialog(annPage)
    // The owner, and what only she may change.
    await eventually(() => dialog.locator('.share-person__name').first().textContent()).toBe(`${ann.name} (you)`)
    await dialog.getByRole('combobox', { name: 'Link sharing' }).waitFor()
    await dialog.getByRole('checkbox', { name: /Editors can share/ }).waitFor()

    await dialog.getByRole('textbox', { name: 'Add people' }).fill('bob@example.com')
    await dialog.getByRole('combobox', { name: 'Role for new people' }).selectOption('comment')
    await dialog.getByRole('button', { name: 'Add', exact: true }).click()
    const bobRole = dialog.getByRole('combobox', { name: 'Role for bob@example.com' })
    await eventually(() => bobRole.inputValue()).toBe('comment')
    await annPage.screenshot({ path: 'test-results/sharing-dialog-wide-light.png' })
    await darkMode(annPage)
    await annPage.setViewportSize(PHONE)
    await annPage.screenshot({ path: 'test-results/sharing-dialog-phone-dark.png' })
    await annPage.setViewportSize(WIDE)
    await lightMode(annPage)
    await closeShareDialog(annPage)
  })

  it('Bob signs in and finds it under "Shared with me", with his role', async () => {
    bobPage = await signedIn(bob)
    const shared = bobPage.getByRole('list', { name: 'Shared with me' })
    const row = shared.getByRole('listitem').filter({ hasText: 'Trip plans' })
    await row.waitFor()
    expect(await row.textContent()).toContain('Can comment')
    await darkMode(bobPage)
    await bobPage.screenshot({ path: 'test-results/sharing-list-wide-dark.png' })
    await bobPage.setViewportSize(PHONE)
    await bobPage.screenshot({ path: 'test-results/sharing-list-phone-dark.png' })
    await bobPage.setViewportSize(WIDE)
    await lightMode(bobPage)

    await row.getByRole('link').click()
    await bobPage.locator('.ProseMirror').waitFor()
    await eventually(() => editorText(bobPage)).toBe('Pack the tent')
    await bobPage.getByText('Can comment', { exact: true }).waitFor()
    expect(await bobPage.locator('.tandem-editor').getAttribute('data-mode')).toBe('suggesting')
  })

  it('Bob comments as a verified author, and Ann sees his name on the comment and in presence', async () => {
    await commentOn(bobPage, 'tent', 'Bring the big one')
    for (const page of [bobPage, annPage]) {
      const card = threadCard(page, 'Bring the big one')
      await card.waitFor({ timeout: 15_000 })
      expect(await card.locator('.tandem-comment__author').first().textContent()).toBe(bob.name)
      expect(await card.locator('.tandem-comment__unverified').count()).toBe(0)
    }
    await annPage.locator(`[data-presence-name="${bob.name}"]`).waitFor()
    await bobPage.screenshot({ path: 'test-results/sharing-editor-comment-wide-light.png' })
    await darkMode(annPage)
    await annPage.setViewportSize(PHONE)
    await annPage.screenshot({ path: 'test-results/sharing-editor-phone-dark.png' })
    await annPage.setViewportSize(WIDE)
    await lightMode(annPage)
  })

  it('Ann raises Bob to edit: his page reconnects with the new role and he types', async () => {
    const dialog = await openShareDialog(annPage)
    await dialog.getByRole('combobox', { name: 'Role for bob@example.com' }).selectOption('edit')
    await eventually(() => bobPage.locator('.tandem-editor').getAttribute('data-mode')).toBe('editing')
    await eventually(() => bobPage.getByText('Can comment', { exact: true }).count()).toBe(0)
    await eventually(() => syncState(bobPage)).toBe('saved')

    await focusEnd(bobPage)
    await bobPage.keyboard.type(' and a stove')
    await eventually(() => editorText(annPage)).toBe('Pack the tent and a stove')
    // Typed as an editor: plain text, not a suggestion.
    expect(await annPage.locator('.ProseMirror ins').count()).toBe(0)
    await closeShareDialog(annPage)
  })

  it('Ann removes Bob: his page says he no longer has access, within seconds', async () => {
    const dialog = await openShareDialog(annPage)
    await dialog.getByRole('button', { name: 'Remove bob@example.com' }).click()
    await eventually(() => dialog.getByRole('combobox', { name: 'Role for bob@example.com' }).count()).toBe(0)

    await bobPage.getByText(NO_ACCESS).waitFor({ timeout: 15_000 })
    expect(await bobPage.locator('.ProseMirror').count()).toBe(0)
    await bobPage.screenshot({ path: 'test-results/sharing-no-access-wide.png' })
    await bobPage.getByRole('link', { name: 'Back to documents' }).click()
    await bobPage.getByRole('heading', { name: 'Shared with me', level: 2 }).waitFor()
    await bobPage.getByText('Documents others share with you appear here.').waitFor()
    await closeShareDialog(annPage)
  })

  it('signed out, the document asks to sign in; with the link turned on, it opens for anyone', async () => {
    const context = await app.browser.newContext({ viewport: WIDE })
    contexts.push(context)
    const visitor = await context.newPage()
    await visitor.goto(`${app.fixture.url}${docPath}`)
    await visitor.getByRole('heading', { name: 'Sign in to open this document' }).waitFor()
    await visitor.getByRole('main').getByRole('link', { name: 'Sign in' }).waitFor()

    const dialog = await openShareDialog(annPage)
    await dialog.getByRole('combobox', { name: 'Link sharing' }).selectOption('view')
    await eventually(() => dialog.getByRole('combobox', { name: 'Link sharing' }).inputValue()).toBe('view')
    await closeShareDialog(annPage)

    await visitor.reload()
    await visitor.getByText('View only', { exact: true }).waitFor()
    await eventually(() => editorText(visitor)).toBe('Pack the tent and a stove')
    expect(await visitor.locator('.ProseMirror').getAttribute('contenteditable')).toBe('false')
  })
})
