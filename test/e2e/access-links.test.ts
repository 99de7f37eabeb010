import { randomBytes } from 'node:crypto'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mintToken, revokeToken } from '../../server/index.js'
import { startApp, type RunningApp } from './helpers/app-server.js'
import { launchChromium } from './helpers/browser.js'
import { editorText, eventually, focusEnd, syncState, uniqueDocId } from './helpers/editor-page.js'

const secret = randomBytes(32).toString('base64')
let app: RunningApp
let browser: Browser

beforeAll(async () => {
  ;[app, browser] = await Promise.all([
    startApp({ authSecret: secret, limits: { revocationPollMs: 200 } }),
    launchChromium(),
  ])
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await app?.close()
})

const token = (doc: string, role: 'edit' | 'view') => mintToken({ secret, doc, role, ttlSeconds: 600 })

describe('share links on a server with AUTH_SECRET', { timeout: 90_000 }, () => {
  it('an edit link edits and saves, and the token leaves the address bar', async () => {
    const docId = uniqueDocId('edit-link')
    const context = await browser.newContext()
    try {
      const page = await context.newPage()
      await page.goto(`${app.url}/d/${docId}?token=${await token(docId, 'edit')}`)
      await page.locator('.ProseMirror[contenteditable="true"]').waitFor()
      expect(new URL(page.url()).search).toBe('')
      await focusEnd(page)
      await page.keyboard.type('written with an edit link')
      await eventually(() => syncState(page)).toBe('saved')
      // The kept token still works after a reload without it in the URL.
      await page.reload()
      await eventually(() => editorText(page)).toBe('written with an edit link')
      await eventually(() => syncState(page)).toBe('saved')
    } finally {
      await context.close()
    }
  })

  it('R-READONLY: a view link shows the document read-only', async () => {
    const docId = uniqueDocId('view-link')
    await app.server.documents.create({ docId, title: 'Read me', content: { source: 'Just look', format: 'markdown' } })
    const context = await browser.newContext()
    try {
      const page = await context.newPage()
      await page.goto(`${app.url}/d/${docId}?token=${await token(docId, 'view')}`)
      await page.getByText('View only', { exact: true }).waitFor()
      await eventually(() => editorText(page)).toBe('Just look')
      expect(await page.locator('.ProseMirror').getAttribute('contenteditable')).toBe('false')
      expect(await page.getByRole('toolbar', { name: 'Formatting' }).count()).toBe(0)
    } finally {
      await context.close()
    }
  })

  it('without a token the page says there is no access', async () => {
    const context = await browser.newContext()
    try {
      const page = await context.newPage()
      await page.goto(`${app.url}/d/${uniqueDocId('no-token')}`)
      await eventually(() => syncState(page)).toBe('error')
      expect(await page.locator('.status-pill').textContent()).toContain('No access')
    } finally {
      await context.close()
    }
  })

  it('a revoked link ends the session and says to ask for a new one', async () => {
    const docId = uniqueDocId('revoked-link')
    const link = await token(docId, 'edit')
    const context = await browser.newContext()
    try {
      const page = await context.newPage()
      await page.goto(`${app.url}/d/${docId}?token=${link}`)
      await eventually(() => syncState(page)).toBe('saved')
      await revokeToken({ store: app.server.revocations!, token: link, secret })
      await eventually(() => syncState(page)).toBe('error')
      expect(await page.locator('.status-pill').textContent()).toContain('Access revoked')
      await page.getByRole('alert').getByText("Access revoked — ask the document's owner for a new link.").waitFor()
      expect(await page.locator('.ProseMirror').getAttribute('contenteditable')).toBe('false')
    } finally {
      await context.close()
    }
  })

  it('an editor can copy a view-only link that opens read-only', async () => {
    const docId = uniqueDocId('share-view')
    const context = await browser.newContext()
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app.url })
    try {
      const page = await context.newPage()
      await page.goto(`${app.url}/d/${docId}?token=${await token(docId, 'edit')}`)
      await page.locator('.ProseMirror[contenteditable="true"]').waitFor()
      await page.getByRole('button', { name: 'Share' }).click()
      await page.getByRole('menuitem', { name: 'Copy view-only link' }).click()
      await page.getByText('Link copied').waitFor()
      const link = await page.evaluate<string>('navigator.clipboard.readText()')
      expect(link).toMatch(new RegExp(`/d/${docId}\\?token=`))

      const viewer = await browser.newContext()
      try {
        const viewerPage = await viewer.newPage()
        await viewerPage.goto(link)
        await viewerPage.getByText('View only', { exact: true }).waitFor()
      } finally {
        await viewer.close()
      }
    } finally {
      await context.close()
    }
  })
})
