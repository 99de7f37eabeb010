import { readFile } from 'node:fs/promises'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startApp, type RunningApp } from './helpers/app-server.js'
import { launchChromium } from './helpers/browser.js'
import { editorText, eventually, focusEnd, syncState, uniqueDocId } from './helpers/editor-page.js'

let app: RunningApp
let browser: Browser
let context: BrowserContext
let page: Page

beforeAll(async () => {
  ;[app, browser] = await Promise.all([startApp(), launchChromium()])
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await app?.close()
})

beforeEach(async () => {
  // Every test starts from an empty server: the list is global.
  for (const doc of await app.server.documents.list()) await app.server.documents.delete(doc.docId)
  context = await browser.newContext({ viewport: { width: 1100, height: 760 }, acceptDownloads: true })
  page = await context.newPage()
})

afterEach(async () => {
  await context?.close()
})

const rows = () => page.locator('.doc-row')

describe('the document list', { timeout: 90_000 }, () => {
  it('invites creating the first document when there is none', async () => {
    await page.goto(`${app.url}/`)
    await page.getByRole('button', { name: 'Create your first document' }).waitFor()
    expect(await rows().count()).toBe(0)
  })

  it('creates, renames and deletes documents', async () => {
    await page.goto(`${app.url}/`)
    await page.getByRole('button', { name: 'New document' }).click()
    await page.waitForURL(/\/d\/[A-Za-z0-9_-]+$/)
    const docId = new URL(page.url()).pathname.split('/').pop() ?? ''
    await page.locator('.ProseMirror[contenteditable="true"]').waitFor()

    await page.getByRole('link', { name: 'All documents' }).click()
    await page.waitForURL(`${app.url}/`)
    await rows().first().waitFor()
    expect(await rows().count()).toBe(1)
    expect(await rows().first().getAttribute('data-doc-id')).toBe(docId)
    expect(await rows().first().textContent()).toContain('Untitled document')

    await page.getByRole('button', { name: 'Rename Untitled document' }).click()
    await page.getByRole('textbox', { name: 'Document title' }).fill('Launch plan')
    await page.keyboard.press('Enter')
    await page.locator('.doc-row__title', { hasText: 'Launch plan' }).waitFor()
    expect((await app.server.documents.info(docId)).title).toBe('Launch plan')

    await page.getByRole('button', { name: 'Delete Launch plan' }).click()
    const dialog = page.getByRole('dialog', { name: 'Delete this document?' })
    await dialog.waitFor()
    await dialog.getByRole('button', { name: 'Delete' }).click()
    await page.getByRole('button', { name: 'Create your first document' }).waitFor()
    expect(await app.server.documents.list()).toEqual([])
  })

  it('keeps a document when the delete is cancelled', async () => {
    await app.server.documents.create({ title: 'Keep me' })
    await page.goto(`${app.url}/`)
    await page.getByRole('button', { name: 'Delete Keep me' }).click()
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click()
    await page.getByRole('dialog').waitFor({ state: 'detached' })
    expect((await app.server.documents.list()).map((doc) => doc.title)).toEqual(['Keep me'])
  })

  it('lists the most recently changed document first', async () => {
    const older = await app.server.documents.create({ title: 'Older' })
    // Timestamps have millisecond resolution: let the clock move so the order is defined.
    await eventually(() => Date.now()).toBeGreaterThan(older.updatedAt)
    const newer = await app.server.documents.create({ title: 'Newer' })
    await eventually(() => Date.now()).toBeGreaterThan(newer.updatedAt)
    await page.goto(`${app.url}/`)
    await rows().nth(1).waitFor()
    expect(await page.locator('.doc-row__title').allTextContents()).toEqual(['Newer', 'Older'])

    await page.goto(`${app.url}/d/${older.docId}`)
    await focusEnd(page)
    await page.keyboard.type('touched')
    await eventually(() => syncState(page)).toBe('saved')
    await page.goto(`${app.url}/`)
    await rows().nth(1).waitFor()
    expect(await page.locator('.doc-row__title').allTextContents()).toEqual(['Older', 'Newer'])
  })
})

describe('import and export', { timeout: 90_000 }, () => {
  const markdown = '# Meeting notes\n\nWe agreed on **three** things:\n\n- ship\n- test\n- rest\n'

  it('imports a Markdown file into a new document and exports the same Markdown', async () => {
    await page.goto(`${app.url}/`)
    await page.getByTestId('import-input').setInputFiles({
      name: 'meeting-notes.md',
      mimeType: 'text/markdown',
      buffer: Buffer.from(markdown),
    })
    await page.waitForURL(/\/d\/[A-Za-z0-9_-]+$/)
    await page.locator('.ProseMirror h1', { hasText: 'Meeting notes' }).waitFor()
    await eventually(() => page.getByRole('textbox', { name: 'Document title' }).inputValue()).toBe('meeting-notes')
    expect(await page.locator('.ProseMirror li').count()).toBe(3)

    await page.getByRole('button', { name: 'Export' }).click()
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('menuitem', { name: 'Markdown (.md)' }).click(),
    ])
    expect(download.suggestedFilename()).toBe('meeting-notes.md')
    const exported = await readFile((await download.path()) ?? '', 'utf8')
    expect(exported).toContain('# Meeting notes')
    expect(exported).toContain('**three**')
    expect(exported).toMatch(/^[-*] ship$/m)
  })

  it('exports HTML with the latest saved edits', async () => {
    const docId = uniqueDocId('export-html')
    await page.goto(`${app.url}/d/${docId}`)
    await focusEnd(page)
    await page.keyboard.type('Exported paragraph')
    await eventually(() => syncState(page)).toBe('saved')
    await page.getByRole('button', { name: 'Export' }).click()
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('menuitem', { name: 'HTML (.html)' }).click(),
    ])
    expect(download.suggestedFilename()).toMatch(/\.html$/)
    expect(await readFile((await download.path()) ?? '', 'utf8')).toContain('<p>Exported paragraph</p>')
  })
})

describe('a document deleted while open', { timeout: 90_000 }, () => {
  it('stops syncing and says why', async () => {
    const docId = uniqueDocId('deleted')
    await page.goto(`${app.url}/d/${docId}`)
    await focusEnd(page)
    await page.keyboard.type('soon gone')
    await eventually(() => syncState(page)).toBe('saved')
    await app.server.documents.delete(docId)
    await eventually(() => syncState(page)).toBe('error')
    await page.getByRole('alert').filter({ hasText: 'This document was deleted.' }).waitFor()
    expect(await page.locator('.ProseMirror').getAttribute('contenteditable')).toBe('false')
    expect(await editorText(page)).toBe('soon gone')
  })
})
