import { randomBytes } from 'node:crypto'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mintToken } from '../../server/index.js'
import { png, SVG } from '../fixtures/images.js'
import { startApp, type RunningApp } from './helpers/app-server.js'
import { launchChromium } from './helpers/browser.js'
import { eventually, focusEnd, newWriterContext, syncState, uniqueDocId } from './helpers/editor-page.js'
import { ALICE, BOB } from './helpers/writers.js'

const secret = randomBytes(32).toString('base64')
let app: RunningApp
let browser: Browser

beforeAll(async () => {
  ;[app, browser] = await Promise.all([startApp({ authSecret: secret }), launchChromium()])
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await app?.close()
})

const token = (doc: string, role: 'edit' | 'view') => mintToken({ secret, doc, role, ttlSeconds: 600 })

async function newDocument(label: string): Promise<string> {
  const docId = uniqueDocId(label)
  await app.server.documents.create({ docId, content: { source: 'Some words before.', format: 'markdown' } })
  return docId
}

/** Opens the document with a share link of `role` and waits for the editor (and, for writers, the save state). */
async function openWith(context: BrowserContext, docId: string, role: 'edit' | 'view'): Promise<Page> {
  const page = await context.newPage()
  await page.goto(`${app.url}/d/${docId}?token=${await token(docId, role)}`)
  await page.locator(`.ProseMirror[contenteditable="${role === 'edit' ? 'true' : 'false'}"]`).waitFor()
  if (role === 'edit') await eventually(() => syncState(page)).toBe('saved')
  return page
}

/** Alice and Bob, each in a browser context of their own, with the document open for writing. */
async function twoWriters(docId: string) {
  const [aliceContext, bobContext] = await Promise.all([
    newWriterContext(browser, ALICE),
    newWriterContext(browser, BOB),
  ])
  const close = () => Promise.all([aliceContext.close(), bobContext.close()])
  try {
    const [alice, bob] = await Promise.all([openWith(aliceContext, docId, 'edit'), openWith(bobContext, docId, 'edit')])
    return { aliceContext, alice, bob, close }
  } catch (error) {
    await close()
    throw error
  }
}

/** naturalWidth of every image in the editor (0 for one that has not loaded or failed). Strings: no DOM types here. */
function loadedWidths(page: Page): Promise<number[]> {
  return page.evaluate<number[]>(
    `[...document.querySelectorAll('.ProseMirror .tandem-image img')].map((img) => img.complete ? img.naturalWidth : 0)`,
  )
}

function placeholders(page: Page): Promise<string[]> {
  return page.evaluate<string[]>(
    `[...document.querySelectorAll('.tandem-image__placeholder')].map((el) => el.getAttribute('data-upload-state'))`,
  )
}

/** Pastes a file as the clipboard would: a paste event whose DataTransfer holds it. */
async function pasteFile(page: Page, bytes: Buffer, name: string, type: string): Promise<void> {
  await focusEnd(page)
  await page.evaluate(`(() => {
    const bytes = Uint8Array.from(atob(${JSON.stringify(bytes.toString('base64'))}), (c) => c.charCodeAt(0))
    const data = new DataTransfer()
    data.items.add(new File([bytes], ${JSON.stringify(name)}, { type: ${JSON.stringify(type)} }))
    const event = new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true })
    document.querySelector('.ProseMirror').dispatchEvent(event)
  })()`)
}

/** Drops a file on the editor's text, as a drag from the desktop would. */
async function dropFile(page: Page, bytes: Buffer, name: string, type: string): Promise<void> {
  await page.evaluate(`(() => {
    const bytes = Uint8Array.from(atob(${JSON.stringify(bytes.toString('base64'))}), (c) => c.charCodeAt(0))
    const data = new DataTransfer()
    data.items.add(new File([bytes], ${JSON.stringify(name)}, { type: ${JSON.stringify(type)} }))
    const target = document.querySelector('.ProseMirror p')
    const box = target.getBoundingClientRect()
    const at = { clientX: box.left + 5, clientY: box.top + box.height / 2, bubbles: true, cancelable: true, dataTransfer: data }
    target.dispatchEvent(new DragEvent('dragenter', at))
    target.dispatchEvent(new DragEvent('dragover', at))
    target.dispatchEvent(new DragEvent('drop', at))
  })()`)
}

/** The stored document as JSON, read with an edit token. */
async function storedJson(docId: string): Promise<string> {
  const response = await fetch(`${app.url}/api/docs/${docId}/content?format=json`, {
    headers: { authorization: `Bearer ${await token(docId, 'edit')}` },
  })
  return response.text()
}

describe('images in Chromium', { timeout: 120_000 }, () => {
  it('Image button: the other writer and a view link see it loaded; alt text and size apply; reload keeps it', async () => {
    const docId = await newDocument('image-button')
    const [aliceContext, bobContext, viewerContext] = await Promise.all([
      newWriterContext(browser, ALICE),
      newWriterContext(browser, BOB),
      browser.newContext(),
    ])
    try {
      const [alice, bob, viewer] = await Promise.all([
        openWith(aliceContext, docId, 'edit'),
        openWith(bobContext, docId, 'edit'),
        openWith(viewerContext, docId, 'view'),
      ])
      await focusEnd(alice)
      const [chooser] = await Promise.all([
        alice.waitForEvent('filechooser'),
        alice.getByRole('button', { name: 'Image', exact: true }).click(),
      ])
      await chooser.setFiles({ name: 'chart.png', mimeType: 'image/png', buffer: png(48, 32, 1) })

      for (const page of [alice, bob, viewer]) await eventually(() => loadedWidths(page)).toEqual([48])
      const stored = await storedJson(docId)
      expect(stored).toMatch(/"src":"\/api\/docs\/[^"]+\/files\/[0-9a-f]{64}"/)
      expect(stored).not.toContain('token')

      // Select it: the writer gets alt text, width and alignment; the view link none of them.
      await alice.locator('.tandem-image img').click()
      const alt = alice.getByRole('textbox', { name: 'Alt text' })
      // Keyboard: Tab from the selected image reaches its settings.
      await alice.keyboard.press('Tab')
      await eventually(() => alice.evaluate<string>(`document.activeElement?.outerHTML.slice(0, 120) ?? ''`)).toContain(
        'Describe the image',
      )
      await alt.fill('A small chart')
      await alt.press('Enter')
      await alice.getByRole('group', { name: 'Width' }).getByRole('button', { name: 'Small' }).click()
      await eventually(() => bob.locator('.tandem-image img').getAttribute('alt')).toBe('A small chart')
      await eventually(() => viewer.locator('.tandem-image').getAttribute('data-size')).toBe('small')
      expect(await viewer.getByRole('textbox', { name: 'Alt text' }).count()).toBe(0)

      await bob.reload()
      await eventually(() => loadedWidths(bob)).toEqual([48])
      expect(await bob.getByRole('img', { name: 'A small chart' }).count()).toBe(1)
    } finally {
      await Promise.all([aliceContext.close(), bobContext.close(), viewerContext.close()])
    }
  })

  it("a pasted image uploads for everyone; undo removes it for its author; an SVG is refused with the server's sentence", async () => {
    const docId = await newDocument('image-paste')
    const { alice, bob, close } = await twoWriters(docId)
    try {
      await pasteFile(alice, png(20, 10, 2), 'shot.png', 'image/png')
      await eventually(() => loadedWidths(bob)).toEqual([20])
      await eventually(() => loadedWidths(alice)).toEqual([20])
      // Writing goes on below the new image, never over it.
      await alice.keyboard.type('Caption below')
      await eventually(() => bob.locator('.ProseMirror').textContent()).toContain('Caption below')
      expect(await loadedWidths(bob)).toEqual([20])

      // Undo (Yjs, this writer's own changes): the typing, then the image.
      await alice.keyboard.press('Control+z')
      await eventually(() => bob.locator('.ProseMirror').textContent()).not.toContain('Caption below')
      await alice.keyboard.press('Control+z')
      await eventually(() => loadedWidths(bob)).toEqual([])

      // Dropped files go in too.
      await dropFile(alice, png(12, 12, 5), 'dropped.png', 'image/png')
      await eventually(() => loadedWidths(bob)).toEqual([12])
      await alice.keyboard.press('Control+z')
      await eventually(() => loadedWidths(bob)).toEqual([])

      await pasteFile(alice, SVG, 'drawing.svg', 'image/svg+xml')
      const alert = alice.getByRole('alert').filter({ hasText: 'Image not added' })
      await alert.waitFor()
      expect(await alert.textContent()).toMatch(/Image not added: .{10,}/)
      // In place of the placeholder, inside the text; dismissed by its button.
      expect(await alice.locator('.ProseMirror [role="alert"]').count()).toBe(1)
      await alert.getByRole('button', { name: 'Dismiss' }).click()
      await eventually(() => alert.count()).toBe(0)
      await eventually(() => placeholders(alice)).toEqual([])
      await eventually(() => placeholders(bob)).toEqual([])
      expect(await storedJson(docId)).toContain('Some words before.')
    } finally {
      await close()
    }
  })

  it('an image pasted offline waits, survives closing the tab, and uploads once back online', async () => {
    const docId = await newDocument('image-offline')
    const { aliceContext, alice, bob, close } = await twoWriters(docId)
    try {
      await aliceContext.setOffline(true)
      await eventually(() => syncState(alice)).toBe('offline')
      await pasteFile(alice, png(30, 15, 3), 'offline.png', 'image/png')
      await eventually(() => placeholders(alice)).toEqual(['waiting'])

      // Back online in the same tab: the upload goes, and Bob sees the image.
      await aliceContext.setOffline(false)
      await eventually(() => loadedWidths(bob)).toEqual([30])

      // Offline again, paste, close the tab; a new tab later finds the kept image and sends it.
      await aliceContext.setOffline(true)
      await eventually(() => syncState(alice)).toBe('offline')
      await pasteFile(alice, png(24, 12, 4), 'later.png', 'image/png')
      await eventually(() => placeholders(alice)).toEqual(['waiting'])
      await alice.close()
      await aliceContext.setOffline(false)
      const reopened = await openWith(aliceContext, docId, 'edit')
      await eventually(() => loadedWidths(bob)).toEqual([30, 24])
      await eventually(() => loadedWidths(reopened)).toEqual([30, 24])
    } finally {
      await close()
    }
  })
})
