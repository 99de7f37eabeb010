import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startApp, type RunningApp } from './helpers/app-server.js'
import { launchChromium } from './helpers/browser.js'
import { commentsLandmark, openCount, selectText } from './helpers/comments-page.js'
import {
  editorText,
  eventually,
  focusEnd,
  newWriterContext,
  openDocument,
  syncState,
  uniqueDocId,
} from './helpers/editor-page.js'
import { ALICE, serverText, twoWriters } from './helpers/writers.js'

/** Suggesting (issue 17) in Chromium: the mode menu, suggestions live as ins/del and cards, Accept and Reject. */

let app: RunningApp
let browser: Browser

beforeAll(async () => {
  ;[app, browser] = await Promise.all([startApp(), launchChromium()])
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await app?.close()
})

async function documentWith(label: string, markdown: string): Promise<string> {
  const docId = uniqueDocId(label)
  await app.server.documents.create({ docId, title: label, content: { source: markdown, format: 'markdown' } })
  return docId
}

/** The toolbar's mode button ("Mode: Editing"…). */
function modeButton(page: Page) {
  return page.getByRole('button', { name: /^Mode: / })
}

/** Opens the mode menu and picks `mode` ("Editing", "Suggesting", "Viewing"). */
async function chooseMode(page: Page, mode: string): Promise<void> {
  await modeButton(page).click()
  await page.getByRole('menuitemradio', { name: mode, exact: true }).click()
  await page.getByRole('button', { name: `Mode: ${mode}` }).waitFor()
}

/** The text of every suggested insertion (`ins`) or deletion (`del`) in the document, in order. */
function suggested(page: Page, tag: 'ins' | 'del'): Promise<string[]> {
  return page.evaluate<string[]>(
    `[...document.querySelectorAll('.ProseMirror ${tag}[data-suggestion]')].map((element) => element.textContent)`,
  )
}

/** A suggestion's card in the "Comments" landmark, by what it says ("Add:", "Delete:"…). */
function suggestionCard(page: Page, text: string) {
  return commentsLandmark(page).locator('article.tandem-suggestion', { hasText: text })
}

describe('Suggesting in Chromium, two browsers', { timeout: 120_000 }, () => {
  it('a suggested insertion and deletion reach the other editor live as ins/del and cards; Accept and Reject converge everywhere', async () => {
    const docId = await documentWith('suggest-flow', 'The quick brown fox jumps.')
    const { alice, bob, close } = await twoWriters(browser, app, docId)
    try {
      await eventually(() => editorText(bob)).toBe('The quick brown fox jumps.')
      await expect(modeButton(alice).getAttribute('aria-label')).resolves.toBe('Mode: Editing')
      await chooseMode(alice, 'Suggesting')

      // An insertion at the end, then a deletion: both stay in the text as suggestions.
      await focusEnd(alice)
      await alice.keyboard.type(' Today')
      await selectText(alice, 'quick ')
      await alice.keyboard.press('Backspace')
      await eventually(() => suggested(alice, 'ins')).toEqual([' Today'])
      await eventually(() => suggested(alice, 'del')).toEqual(['quick '])
      expect(await editorText(alice)).toBe('The quick brown fox jumps. Today')

      // Bob sees both, live, as ins/del and as cards with their author.
      await eventually(() => suggested(bob, 'ins')).toEqual([' Today'])
      await eventually(() => suggested(bob, 'del')).toEqual(['quick '])
      const addCard = suggestionCard(bob, 'Add:')
      const deleteCard = suggestionCard(bob, 'Delete:')
      await addCard.waitFor()
      await deleteCard.waitFor()
      expect(await addCard.textContent()).toContain('Alice Liddell')
      expect(await deleteCard.textContent()).toContain('Alice Liddell')
      // Suggestions count as open items in the toolbar's count, in document order in the sidebar.
      await eventually(() => openCount(bob)).toBe(2)
      const order = await commentsLandmark(bob).locator('article.tandem-suggestion').allTextContents()
      expect(order[0]).toContain('Delete:')
      expect(order[1]).toContain('Add:')

      // Bob accepts the insertion and rejects the deletion.
      await addCard.getByRole('button', { name: 'Accept', exact: true }).click()
      await deleteCard.getByRole('button', { name: 'Reject', exact: true }).click()
      const final = 'The quick brown fox jumps. Today'
      for (const page of [alice, bob]) {
        await eventually(() => suggested(page, 'ins')).toEqual([])
        await eventually(() => suggested(page, 'del')).toEqual([])
        await eventually(() => editorText(page)).toBe(final)
        await eventually(() => commentsLandmark(page).locator('article.tandem-suggestion').count()).toBe(0)
      }
      await eventually(() => syncState(bob)).toBe('saved')
      await eventually(async () => (await serverText(app, docId)).trim()).toBe(final)
    } finally {
      await close()
    }
  })

  it('Accept all and Reject all decide every suggestion at once', async () => {
    const docId = await documentWith('suggest-all', 'One two three.')
    const { alice, bob, close } = await twoWriters(browser, app, docId)
    try {
      await chooseMode(alice, 'Suggesting')
      await focusEnd(alice)
      await alice.keyboard.type(' Four')
      await selectText(alice, 'two ')
      await alice.keyboard.press('Backspace')
      await eventually(() => commentsLandmark(bob).locator('article.tandem-suggestion').count()).toBe(2)
      await commentsLandmark(bob).getByRole('button', { name: 'Accept all' }).click()
      for (const page of [alice, bob]) await eventually(() => editorText(page)).toBe('One three. Four')
      await eventually(async () => (await serverText(app, docId)).trim()).toBe('One three. Four')

      await focusEnd(alice)
      await alice.keyboard.type(' Five')
      await eventually(() => suggested(bob, 'ins')).toEqual([' Five'])
      await commentsLandmark(bob).getByRole('button', { name: 'Reject all' }).click()
      for (const page of [alice, bob]) await eventually(() => editorText(page)).toBe('One three. Four')
    } finally {
      await close()
    }
  })

  it('the mode is remembered per document, and Viewing changes nothing', async () => {
    const docId = await documentWith('suggest-mode', 'Read only for now.')
    const other = await documentWith('suggest-mode-other', 'Another document.')
    const context = await newWriterContext(browser, ALICE)
    try {
      const alice = await openDocument(context, app.url, docId)
      await chooseMode(alice, 'Viewing')
      expect(await alice.locator('.ProseMirror').getAttribute('contenteditable')).toBe('false')
      expect(await alice.getByRole('toolbar', { name: 'Formatting' }).count()).toBe(0)
      await alice.reload()
      await modeButton(alice).waitFor()
      expect(await modeButton(alice).getAttribute('aria-label')).toBe('Mode: Viewing')
      expect(await alice.locator('.ProseMirror').getAttribute('contenteditable')).toBe('false')

      // Another document opens in the role's default.
      await alice.goto(`${app.url}/d/${other}`)
      await alice.locator('.ProseMirror[contenteditable="true"]').waitFor()
      expect(await modeButton(alice).getAttribute('aria-label')).toBe('Mode: Editing')
    } finally {
      await context.close()
    }
  })
})
