import { randomBytes } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DocId } from '../../shared/ids.js'
import { createServer, MemoryDocStore, mintToken, type TandemServer } from '../../server/index.js'
import { ensureWebAppBuilt } from './helpers/app-server.js'
import { launchChromium } from './helpers/browser.js'
import { editorText, eventually, focusEnd, newWriterContext, openDocument, uniqueDocId } from './helpers/editor-page.js'

const ADA = { name: 'Ada Lovelace', color: '#e5484d' }
const BOB = { name: 'Bob Ross', color: '#30a46c' }
const SCREENSHOT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../.tmp')

let server: TandemServer
let url: string
let browser: Browser

beforeAll(async () => {
  await ensureWebAppBuilt()
  ;[server, browser] = await Promise.all([
    // Versions are recorded 200 ms after editing pauses instead of 30 s.
    createServer({ port: 0, store: new MemoryDocStore(), logLevel: 'warn', limits: { versionIdleMs: 200 } }),
    launchChromium(),
  ])
  ;({ url } = await server.listen())
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await server?.close()
})

const panel = (page: Page) => page.locator('#history-panel')
const items = (page: Page) => panel(page).locator('.history-item')
const preview = (page: Page) => panel(page).locator('.history-preview')
const previewContent = (page: Page) => preview(page).locator('.history-preview__content')
/** The version ids the panel lists, newest first. */
const listedIds = (page: Page) =>
  items(page).evaluateAll((elements: { getAttribute(name: string): string | null }[]) =>
    elements.map((element) => element.getAttribute('data-version-id') ?? ''),
  )
/** Which version is selected in the list, which one has the focus, and which one the preview shows. */
const selection = async (page: Page) => ({
  selected: await panel(page).locator('.history-item[aria-selected="true"]').getAttribute('data-version-id'),
  focused: await page.evaluate<string | null>(
    'document.activeElement?.classList.contains("history-item") ? document.activeElement.dataset.versionId : null',
  ),
  previewed: await preview(page).getAttribute('data-version-id'),
})

describe('the history panel', { timeout: 60_000 }, () => {
  it('lists versions, names one, shows it with changes since, and restores it for everyone', async () => {
    const docId = uniqueDocId('history') as DocId
    const [adaContext, bobContext] = await Promise.all([newWriterContext(browser, ADA), newWriterContext(browser, BOB)])
    try {
      const ada = await openDocument(adaContext, url, docId)
      const bob = await openDocument(bobContext, url, docId)

      await focusEnd(ada)
      await ada.keyboard.type('The first draft.')
      await eventually(() => editorText(bob)).toBe('The first draft.')

      await ada.getByRole('button', { name: 'History' }).click()
      await panel(ada).getByRole('heading', { name: 'History' }).waitFor()
      // A version appears once editing settles; the newest one is the whole draft (a slow machine
      // may record a partial one first, so wait until the newest is the same as the live document).
      await eventually(async () => {
        if ((await items(ada).count()) === 0) return 'no versions yet'
        await items(ada).first().click()
        return (await preview(ada).locator('.history-preview__bar').textContent()) ?? ''
      }).toContain('Same as the current document')
      // The list shows who edited, as the server recorded it.
      const [newest] = await server.history.list(docId)
      expect(newest?.authors.length).toBeGreaterThan(0)
      expect(await items(ada).first().locator('.history-item__authors').textContent()).toBe(newest?.authors.join(', '))
      expect(await previewContent(ada).textContent()).toBe('The first draft.')

      await preview(ada).getByRole('button', { name: 'Name this version' }).click()
      await preview(ada).getByRole('textbox', { name: 'Name for this version' }).fill('First draft')
      await ada.keyboard.press('Enter')
      await items(ada).locator('.history-item__name', { hasText: 'First draft' }).waitFor()
      const named = (await server.history.list(docId)).find((version) => version.name === 'First draft')
      expect(named).toBeDefined()

      // More writing, from the other context, once it holds the text to write after.
      await eventually(() => editorText(bob)).toBe('The first draft.')
      await focusEnd(bob)
      await bob.keyboard.press('Enter')
      await bob.keyboard.type('A later paragraph.')
      await eventually(() => editorText(ada)).toBe('The first draft.A later paragraph.')

      // The named version, read-only, with what was added since marked, by whom.
      await items(ada).filter({ hasText: 'First draft' }).click()
      await eventually(() => preview(ada).locator('h3').textContent()).toBe('First draft')
      await eventually(() => previewContent(ada).locator('ins[data-history-change]').allTextContents()).toEqual([
        'A later paragraph.',
      ])
      expect(await previewContent(ada).locator('ins[data-history-change]').getAttribute('data-author-name')).toBe(
        BOB.name,
      )
      expect(await previewContent(ada).locator('p').first().textContent()).toBe('The first draft.')
      expect(await previewContent(ada).getAttribute('contenteditable')).toBeNull()

      await mkdir(SCREENSHOT_DIR, { recursive: true })
      await ada.screenshot({ path: path.join(SCREENSHOT_DIR, 'history-panel.png') })

      await ada.getByRole('button', { name: 'Switch to dark mode' }).click()
      await ada.screenshot({ path: path.join(SCREENSHOT_DIR, 'history-panel-dark.png') })
      await ada.getByRole('button', { name: 'Switch to light mode' }).click()

      // Unticking the highlight shows the version as it was.
      await preview(ada).getByRole('checkbox', { name: 'Highlight changes since then' }).uncheck()
      await eventually(() => previewContent(ada).textContent()).toBe('The first draft.')
      await preview(ada).getByRole('checkbox', { name: 'Highlight changes since then' }).check()

      await preview(ada).getByRole('button', { name: 'Restore this version' }).click()
      const dialog = ada.getByRole('dialog', { name: 'Restore this version?' })
      await dialog.getByRole('button', { name: 'Restore' }).click()

      // Bob did nothing: his editor changes live.
      await eventually(() => editorText(bob)).toBe('The first draft.')
      await eventually(() => editorText(ada)).toBe('The first draft.')
      await eventually(() => preview(ada).locator('.history-preview__bar').textContent()).toContain(
        'Same as the current document',
      )
      // Nothing is lost: the state before the restore is a version of its own.
      await items(ada).filter({ hasText: 'Before restoring First draft' }).waitFor()
      await ada.screenshot({ path: path.join(SCREENSHOT_DIR, 'history-panel-restored.png') })

      // The restore is an ordinary edit, so the server also records the restored state as a version,
      // once editing pauses, and the panel lists it at its next refresh (every few seconds). Wait for
      // that: a version arriving between the key presses below would shift the list under them.
      await eventually(async () => {
        const recorded = await server.history.list(docId)
        const before = recorded.findIndex((version) => version.name?.startsWith('Before restoring') ?? false)
        if (before < 1) return 'the restored state is not recorded yet'
        const listed = await listedIds(ada)
        const ids = recorded.map((version) => String(version.id))
        return listed.join() === ids.join()
          ? 'listed'
          : `the panel lists ${listed.join()}, the server has ${ids.join()}`
      }).toBe('listed')

      // The list is keyboard navigable: arrows move the selection and the focus, and the preview follows.
      const ids = await listedIds(ada)
      // The key goes to whatever has the focus: press it only once the first version holds it (a
      // loaded machine may not have moved the focus yet when focus() returns).
      await items(ada).first().focus()
      await eventually(async () => (await selection(ada)).focused).toBe(ids[0])
      await ada.keyboard.press('ArrowDown')
      await eventually(() => selection(ada)).toEqual({ selected: ids[1], focused: ids[1], previewed: ids[1] })
      await ada.keyboard.press('Home')
      await eventually(() => selection(ada)).toEqual({ selected: ids[0], focused: ids[0], previewed: ids[0] })

      // On a narrow screen the version covers the list, with a way back to it.
      await ada.setViewportSize({ width: 420, height: 760 })
      await preview(ada).getByRole('button', { name: '← Versions' }).waitFor()
      expect(await panel(ada).locator('.history-list-pane').isVisible()).toBe(false)
      await ada.screenshot({ path: path.join(SCREENSHOT_DIR, 'history-panel-narrow.png') })
      await preview(ada).getByRole('button', { name: '← Versions' }).click()
      await items(ada).first().waitFor()
    } finally {
      await Promise.all([adaContext.close(), bobContext.close()])
    }
  })

  it('compares a version with now and with another version, each change in its author’s colour and name', async () => {
    const docId = uniqueDocId('history-compare') as DocId
    const [adaContext, bobContext] = await Promise.all([newWriterContext(browser, ADA), newWriterContext(browser, BOB)])
    try {
      await server.documents.create({ docId, content: { source: 'Tea and biscuits.', format: 'markdown' } })
      await server.history.createNamed(docId, 'Menu')
      const ada = await openDocument(adaContext, url, docId)
      const bob = await openDocument(bobContext, url, docId)
      await ada.setViewportSize({ width: 1280, height: 800 })
      await eventually(() => editorText(ada)).toBe('Tea and biscuits.')

      // Ada removes the full stop; then Bob, once he sees that, adds a paragraph.
      await focusEnd(ada)
      await ada.keyboard.press('Backspace')
      await eventually(() => editorText(bob)).toBe('Tea and biscuits')
      await focusEnd(bob)
      await bob.keyboard.press('Enter')
      await bob.keyboard.type('Scones for Bob.')
      await eventually(() => editorText(ada)).toBe('Tea and biscuitsScones for Bob.')

      await ada.getByRole('button', { name: 'History' }).click()
      await items(ada).filter({ hasText: 'Menu' }).click()
      const inserted = previewContent(ada).locator('ins[data-history-change]')
      const deleted = previewContent(ada).locator('del[data-history-change]')
      await eventually(() => inserted.allTextContents()).toEqual(['Scones for Bob.'])
      await eventually(() => deleted.allTextContents()).toEqual(['.'])
      expect(await inserted.getAttribute('data-author-name')).toBe(BOB.name)
      expect(await deleted.getAttribute('data-author-name')).toBe(ADA.name)
      expect(await inserted.getAttribute('title')).toBe(`Added by ${BOB.name}`)
      expect(await deleted.getAttribute('title')).toBe(`Removed by ${ADA.name}`)

      // Each author has a colour of their own: on their changes and on their name in the legend.
      const legend = preview(ada).getByRole('list', { name: 'Changes by' })
      await eventually(() => legend.locator('.history-author__name').allTextContents()).toEqual(
        expect.arrayContaining([ADA.name, BOB.name]),
      )
      const decorationColor = (element: typeof inserted) =>
        element.evaluate(
          (node) =>
            (
              globalThis as unknown as { getComputedStyle(n: unknown): { textDecorationColor: string } }
            ).getComputedStyle(node).textDecorationColor,
        )
      const swatch = (name: string) =>
        legend
          .locator(`.history-author[data-author-name="${name}"] .history-author__swatch`)
          .evaluate(
            (node) =>
              (globalThis as unknown as { getComputedStyle(n: unknown): { backgroundColor: string } }).getComputedStyle(
                node,
              ).backgroundColor,
          )
      const [bobColor, adaColor] = [await decorationColor(inserted), await decorationColor(deleted)]
      // The colours they chose (their carets'), as the server recorded them with their changes.
      expect([bobColor, adaColor]).toEqual(['rgb(48, 164, 108)', 'rgb(229, 72, 77)'])
      expect(await swatch(BOB.name)).toBe(bobColor)
      expect(await swatch(ADA.name)).toBe(adaColor)
      expect(await preview(ada).locator('.history-preview__status').textContent()).toBe('2 changes since then')

      await mkdir(SCREENSHOT_DIR, { recursive: true })
      const shoot = async (name: string) =>
        ada.screenshot({ path: path.join(SCREENSHOT_DIR, `history-compare-${name}.png`) })
      const theme = (mode: 'dark' | 'light') => ada.getByRole('button', { name: `Switch to ${mode} mode` }).click()
      const phone = async () => {
        await ada.setViewportSize({ width: 390, height: 844 })
        await preview(ada).getByRole('button', { name: '← Versions' }).waitFor()
      }
      const wide = () => ada.setViewportSize({ width: 1280, height: 800 })
      await shoot('wide-light')
      await phone()
      await shoot('phone-light')
      // The theme switch is in the wide header only.
      await wide()
      await theme('dark')
      await shoot('wide-dark')
      await phone()
      await shoot('phone-dark')
      await wide()
      await theme('light')

      // Two versions: the newer one recorded now, compared with the older from either side.
      await server.history.createNamed(docId, 'With scones')
      const compareWith = preview(ada).getByRole('combobox', { name: 'Compare with' })
      await eventually(() => compareWith.locator('option').allTextContents()).toContain('With scones')
      await compareWith.selectOption({ label: 'With scones' })
      await eventually(() => preview(ada).locator('.history-preview__status').textContent()).toBe(
        '2 changes up to “With scones”',
      )
      expect(await inserted.allTextContents()).toEqual(['Scones for Bob.'])
      expect(await deleted.allTextContents()).toEqual(['.'])
    } finally {
      await Promise.all([adaContext.close(), bobContext.close()])
    }
  })

  it('shows a view-only link the versions and their content, without write buttons', async () => {
    const secret = randomBytes(32).toString('base64')
    const guarded = await createServer({
      port: 0,
      store: new MemoryDocStore(),
      logLevel: 'warn',
      authSecret: secret,
      limits: { versionIdleMs: 200 },
    })
    const { url: guardedUrl } = await guarded.listen()
    const context = await browser.newContext({ viewport: { width: 1100, height: 760 } })
    try {
      const docId = uniqueDocId('history-view') as DocId
      await guarded.documents.create({ docId, content: { source: 'Kept words', format: 'markdown' } })
      await guarded.history.createNamed(docId, 'Kept')
      const token = await mintToken({ secret, doc: docId, role: 'view', ttlSeconds: 600 })
      const page = await context.newPage()
      await page.goto(`${guardedUrl}/d/${docId}?token=${token}`)
      await page.getByText('View only', { exact: true }).waitFor()
      await eventually(() => editorText(page)).toBe('Kept words')

      await page.getByRole('button', { name: 'History' }).click()
      await items(page).filter({ hasText: 'Kept' }).click()
      await eventually(() => previewContent(page).textContent()).toBe('Kept words')
      expect(await preview(page).locator('.history-preview__bar').textContent()).toContain(
        'Same as the current document',
      )
      for (const name of ['Restore this version', 'Name this version', 'Rename this version', 'Name current version']) {
        expect(await panel(page).getByRole('button', { name }).count()).toBe(0)
      }
    } finally {
      await context.close()
      await guarded.close()
    }
  })
})
