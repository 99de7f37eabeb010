import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startApp, type RunningApp } from './helpers/app-server.js'
import { launchChromium } from './helpers/browser.js'
import { eventually, focusEnd, newWriterContext, openDocument, syncState, uniqueDocId } from './helpers/editor-page.js'

let app: RunningApp
let browser: Browser

beforeAll(async () => {
  ;[app, browser] = await Promise.all([startApp(), launchChromium()])
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await app?.close()
})

describe('the editor page', { timeout: 90_000 }, () => {
  it('has a labelled toolbar whose buttons show the active marks', async () => {
    const context = await browser.newContext()
    try {
      const page = await openDocument(context, app.url, uniqueDocId('toolbar'))
      const toolbar = page.getByRole('toolbar', { name: 'Formatting' })
      const bold = toolbar.getByRole('button', { name: 'Bold' })
      expect(await bold.getAttribute('aria-pressed')).toBe('false')
      await focusEnd(page)
      await page.keyboard.press('Control+b')
      await page.keyboard.type('strong')
      await eventually(() => bold.getAttribute('aria-pressed')).toBe('true')
      expect(await page.locator('.ProseMirror strong').textContent()).toBe('strong')
      // Every control can be named by a screen reader.
      const unlabelled = await toolbar.locator('button:not([aria-label]), select:not([aria-label])').count()
      expect(unlabelled).toBe(0)
      // One tab stop; arrow keys move within the toolbar.
      await bold.focus()
      await page.keyboard.press('ArrowRight')
      expect(await page.evaluate<string | null>('document.activeElement?.getAttribute("aria-label") ?? null')).toBe(
        'Italic',
      )
    } finally {
      await context.close()
    }
  })

  it("remembers the writer's name and colour and shows changes to the others", async () => {
    const docId = uniqueDocId('identity')
    const [meContext, peerContext] = await Promise.all([
      newWriterContext(browser, { name: 'Old Name', color: '#e5484d' }),
      newWriterContext(browser, { name: 'Peer', color: '#30a46c' }),
    ])
    try {
      const [me, peer] = await Promise.all([
        openDocument(meContext, app.url, docId),
        openDocument(peerContext, app.url, docId),
      ])
      await me.getByRole('button', { name: /^You are Old Name/ }).click()
      await me.getByRole('textbox', { name: 'Your name' }).fill('New Name')
      await me.getByRole('button', { name: 'Colour #8e4ec6' }).click()
      await me.keyboard.press('Escape')
      await focusEnd(me)
      await me.keyboard.type('hello')
      const label = peer.locator('.collaboration-carets__label', { hasText: 'New Name' })
      await label.waitFor()
      expect(await label.evaluate((el: { style: { backgroundColor: string } }) => el.style.backgroundColor)).toBe(
        'rgb(142, 78, 198)',
      )
      await me.reload()
      await me.getByRole('button', { name: /^You are New Name/ }).waitFor()
    } finally {
      await Promise.all([meContext.close(), peerContext.close()])
    }
  })

  it('follows the system colour scheme and remembers the toggle', async () => {
    const context = await browser.newContext({ colorScheme: 'dark' })
    try {
      const page = await context.newPage()
      await page.goto(`${app.url}/`)
      const theme = () => page.locator('html').getAttribute('data-theme')
      await eventually(theme).toBe('dark')
      await page.getByRole('button', { name: 'Switch to light mode' }).click()
      await eventually(theme).toBe('light')
      await page.reload()
      await page.getByRole('button', { name: 'Switch to dark mode' }).waitFor()
      expect(await theme()).toBe('light')
    } finally {
      await context.close()
    }
  })

  it('copies a share link to the document', async () => {
    const docId = uniqueDocId('share')
    const context = await browser.newContext()
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app.url })
    try {
      const page = await openDocument(context, app.url, docId)
      await page.getByRole('button', { name: 'Share' }).click()
      await page.getByText('Link copied').waitFor()
      expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(`${app.url}/d/${docId}`)
    } finally {
      await context.close()
    }
  })

  it('renames the document from its title field', async () => {
    const docId = uniqueDocId('title')
    const context = await browser.newContext()
    try {
      const page = await openDocument(context, app.url, docId)
      await focusEnd(page)
      await page.keyboard.type('content first')
      await eventually(() => syncState(page)).toBe('saved')
      const title = page.getByRole('textbox', { name: 'Document title' })
      await title.fill('Quarterly plan')
      await title.press('Enter')
      await eventually(async () => (await app.server.documents.info(docId)).title).toBe('Quarterly plan')
      await eventually(() => page.title()).toBe('Quarterly plan · Tandem')
    } finally {
      await context.close()
    }
  })
})
