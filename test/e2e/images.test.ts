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

/** Pastes a file as the clipboard would, at the end of the document: a paste event whose DataTransfer holds it. */
async function pasteFile(page: Page, bytes: Buffer, name: string, type: string): Promise<void> {
  await focusEnd(page)
  await pasteFileHere(page, bytes, name, type)
}

/** The same paste at the caret wherever it is. */
async function pasteFileHere(page: Page, bytes: Buffer, name: string, type: string): Promise<void> {
  await page.evaluate(`(() => {
    const bytes = Uint8Array.from(atob(${JSON.stringify(bytes.toString('base64'))}), (c) => c.charCodeAt(0))
    const data = new DataTransfer()
    data.items.add(new File([bytes], ${JSON.stringify(name)}, { type: ${JSON.stringify(type)} }))
    const event = new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true })
    document.querySelector('.ProseMirror').dispatchEvent(event)
  })()`)
}

/**
 * Puts the caret at the end of the first `selector` element whose text is `text`, and waits until
 * the editor's own selection is inside a node of type `nodeType` (a table cell, a list item).
 */
async function caretAtEndOf(page: Page, selector: string, text: string, nodeType: string): Promise<void> {
  await page.locator(selector, { hasText: text }).click()
  await eventually(async () => {
    const inside = await page.evaluate<boolean>(`(() => {
      const target = [...document.querySelectorAll(${JSON.stringify(selector)})].find((el) => el.textContent === ${JSON.stringify(text)})
      const range = document.createRange()
      range.selectNodeContents(target)
      range.collapse(false)
      const selection = window.getSelection()
      selection.removeAllRanges()
      selection.addRange(range)
      const { $from } = document.querySelector('.ProseMirror').editor.state.selection
      for (let depth = $from.depth; depth > 0; depth--) if ($from.node(depth).type.name === ${JSON.stringify(nodeType)}) return $from.parent.textContent === ${JSON.stringify(text)} && $from.parentOffset === $from.parent.content.size
      return false
    })()`)
    return inside
  }).toBe(true)
}

/** The closest list item or table cell of each image in the editor ('' for one outside both). */
function imageContainers(page: Page): Promise<string[]> {
  return page.evaluate<string[]>(
    `[...document.querySelectorAll('.ProseMirror .tandem-image')].map((el) => el.closest('li, td, th')?.tagName ?? '')`,
  )
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
      await alice.getByRole('group', { name: 'Alignment' }).getByRole('button', { name: 'Align right' }).click()
      await eventually(() => bob.locator('.tandem-image img').getAttribute('alt')).toBe('A small chart')
      await eventually(() => viewer.locator('.tandem-image').getAttribute('data-size')).toBe('small')
      await eventually(() => viewer.locator('.tandem-image').getAttribute('data-align')).toBe('right')
      // Right-aligned and a third of the column wide, as the viewer sees it.
      const box = (page: Page) =>
        page.evaluate<{ left: number; right: number; width: number; column: number; columnRight: number }>(`(() => {
          const img = document.querySelector('.ProseMirror .tandem-image img').getBoundingClientRect()
          const column = document.querySelector('.ProseMirror .tandem-image').getBoundingClientRect()
          return { left: img.left, right: img.right, width: img.width, column: column.width, columnRight: column.right }
        })()`)
      await eventually(async () => {
        const { right, width, column, columnRight } = await box(viewer)
        return Math.abs(right - columnRight) < 2 && width < column / 2
      }).toBe(true)
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
      // Bob writes first, so his undo has something of his own to take back.
      await focusEnd(bob)
      await bob.keyboard.type(' Bob was here.')
      await eventually(() => alice.locator('.ProseMirror').textContent()).toContain('Bob was here.')
      await pasteFile(alice, png(20, 10, 2), 'shot.png', 'image/png')
      await eventually(() => loadedWidths(bob)).toEqual([20])
      await eventually(() => loadedWidths(alice)).toEqual([20])
      // Bob's undo takes back his words, never Alice's image.
      await bob.locator('.ProseMirror p', { hasText: 'Bob was here.' }).click()
      await bob.keyboard.press('Control+z')
      await eventually(() => alice.locator('.ProseMirror').textContent()).not.toContain('Bob was here.')
      expect(await loadedWidths(alice)).toEqual([20])
      expect(await loadedWidths(bob)).toEqual([20])
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

  it('while an upload runs, its writer sees the progress and the others a placeholder; then everyone the image', async () => {
    const docId = await newDocument('image-progress')
    const { aliceContext, alice, bob, close } = await twoWriters(docId)
    let release: () => void = () => undefined
    const released = new Promise<void>((resolve) => {
      release = () => resolve()
    })
    try {
      // Alice's upload is held at her browser's edge until the placeholders have been seen.
      let held = 0
      await aliceContext.route('**/api/docs/*/files', async (route) => {
        held++
        await released
        await route.continue()
      })
      await pasteFile(alice, png(22, 11, 9), 'slow.png', 'image/png')
      await eventually(() => held).toBe(1)
      await eventually(() => placeholders(alice)).toEqual(['sending'])
      expect(await alice.getByRole('progressbar', { name: 'Upload progress' }).count()).toBe(1)
      await eventually(() => placeholders(bob)).toEqual(['remote'])
      expect(await bob.locator('.tandem-image__placeholder').textContent()).toContain('Image uploading')
      release()
      await eventually(() => loadedWidths(bob)).toEqual([22])
      await eventually(() => loadedWidths(alice)).toEqual([22])
      expect(await placeholders(bob)).toEqual([])
    } finally {
      release()
      await close()
    }
  })

  it('an image pasted into a table cell and into a list item stays there, for everyone', async () => {
    const docId = uniqueDocId('image-table-list')
    await app.server.documents.create({
      docId,
      content: {
        source:
          '<ul><li><p>first item</p></li><li><p>second item</p></li></ul><table><tbody><tr><th><p>head</p></th></tr><tr><td><p>cell text</p></td></tr></tbody></table><p>after</p>',
        format: 'html',
      },
    })
    const { alice, bob, close } = await twoWriters(docId)
    try {
      await caretAtEndOf(alice, '.ProseMirror td p', 'cell text', 'tableCell')
      await pasteFileHere(alice, png(16, 8, 6), 'in-cell.png', 'image/png')
      await eventually(() => loadedWidths(bob)).toEqual([16])
      expect(await imageContainers(bob)).toEqual(['TD'])

      await caretAtEndOf(alice, '.ProseMirror li p', 'first item', 'listItem')
      await pasteFileHere(alice, png(10, 10, 7), 'in-list.png', 'image/png')
      await eventually(() => loadedWidths(bob)).toEqual([10, 16])
      await eventually(() => imageContainers(bob)).toEqual(['LI', 'TD'])
      await eventually(() => imageContainers(alice)).toEqual(['LI', 'TD'])
      // The list still has its two items and the table its cell text: nothing was split or replaced.
      expect(await bob.locator('.ProseMirror li').count()).toBe(2)
      expect(await bob.locator('.ProseMirror td').textContent()).toContain('cell text')

      // Stored the same way, and shown so after a reload.
      const stored = JSON.parse(await storedJson(docId)) as { content: { type: string }[] }
      expect(stored.content.map((node) => node.type)).toEqual(['bulletList', 'table', 'paragraph'])
      await bob.reload()
      await eventually(() => loadedWidths(bob)).toEqual([10, 16])
      expect(await imageContainers(bob)).toEqual(['LI', 'TD'])
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
