import { randomBytes } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mintToken } from '../../server/index.js'
import { documentWith as createDocument, startApp, type RunningApp } from './helpers/app-server.js'
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

/** Where the screenshots go (git-ignored), to be looked at. */
const SCREENSHOT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../.tmp')

let app: RunningApp
let browser: Browser

beforeAll(async () => {
  ;[app, browser] = await Promise.all([startApp(), launchChromium()])
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await app?.close()
})

const documentWith = (label: string, markdown: string) => createDocument(app, label, markdown)

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
      // Deciding is an ordinary edit: the one who decided can undo it, and the suggestions come back.
      await bob.getByRole('button', { name: 'Undo' }).click()
      await eventually(() => commentsLandmark(alice).locator('article.tandem-suggestion').count()).toBe(2)
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

  it('replies on a suggestion are one thread that names it, shown on its card; once accepted it is an ordinary thread', async () => {
    const docId = await documentWith('suggest-replies', 'Plain words.')
    const { alice, bob, close } = await twoWriters(browser, app, docId)
    try {
      await chooseMode(alice, 'Suggesting')
      await focusEnd(alice)
      await alice.keyboard.type(' Extra')
      const bobCard = suggestionCard(bob, 'Add:')
      await bobCard.waitFor()

      // Bob asks on the card; Alice answers on hers: one conversation.
      await bobCard.getByRole('button', { name: 'Reply', exact: true }).click()
      const bobBox = bobCard.getByRole('textbox', { name: 'Reply' })
      await bobBox.waitFor()
      await bobBox.fill('Why this?')
      await bobBox.press('Control+Enter')
      const aliceCard = suggestionCard(alice, 'Add:')
      await aliceCard.locator('.tandem-comment__body', { hasText: 'Why this?' }).waitFor()
      await aliceCard.getByRole('button', { name: 'Reply', exact: true }).click()
      const aliceBox = aliceCard.getByRole('textbox', { name: 'Reply' })
      await aliceBox.waitFor()
      await aliceBox.fill('It reads better')
      await aliceBox.press('Control+Enter')
      await bobCard.locator('.tandem-comment__body', { hasText: 'It reads better' }).waitFor()
      // Not a card of its own while the suggestion is pending, and counted once.
      expect(await commentsLandmark(bob).locator('article.tandem-thread:not(.tandem-suggestion)').count()).toBe(0)
      expect(await openCount(bob)).toBe(1)

      const listed = (await (await fetch(`${app.url}/api/docs/${docId}/threads`)).json()) as {
        threads: { suggestionId?: string | null; comments: { body: string }[] }[]
      }
      expect(listed.threads).toHaveLength(1)
      expect(listed.threads[0]?.suggestionId).toBe(await aliceCard.getAttribute('data-suggestion-id'))
      expect(listed.threads[0]?.comments.map((comment) => comment.body)).toEqual(['Why this?', 'It reads better'])

      // Decided, the conversation stays as an ordinary thread on the text.
      await bobCard.getByRole('button', { name: 'Accept', exact: true }).click()
      const thread = commentsLandmark(alice).locator('article.tandem-thread:not(.tandem-suggestion)', {
        hasText: 'Why this?',
      })
      await thread.waitFor()
      expect(await thread.textContent()).toContain('It reads better')
    } finally {
      await close()
    }
  })

  it('the mode menu and the suggestion cards fit wide and phone screens, light and dark (screenshots in .tmp/)', async () => {
    const docId = await documentWith('suggest-looks', 'The quick brown fox jumps over the lazy dog.')
    const { alice, close } = await twoWriters(browser, app, docId)
    try {
      await chooseMode(alice, 'Suggesting')
      await selectText(alice, 'quick')
      await alice.keyboard.type('swift')
      await focusEnd(alice)
      await alice.keyboard.type(' Again.')
      await eventually(() => suggested(alice, 'ins')).toEqual(['swift', ' Again.'])
      await eventually(() => syncState(alice)).toBe('saved')
      await mkdir(SCREENSHOT_DIR, { recursive: true })

      for (const [screen, width, height] of [
        ['wide', 1280, 800],
        ['phone', 390, 844],
      ] as const) {
        for (const scheme of ['light', 'dark'] as const) {
          const context = await browser.newContext({ viewport: { width, height }, colorScheme: scheme })
          try {
            const page = await openDocument(context, app.url, docId)
            await eventually(() => suggested(page, 'ins')).toEqual(['swift', ' Again.'])
            if (screen === 'phone') await page.locator('button[aria-controls^="tandem-comments-"]').click()
            const card = suggestionCard(page, 'Replace')
            await card.waitFor()
            // Every card and its buttons inside the screen, not cut at its edge.
            const accept = card.getByRole('button', { name: 'Accept', exact: true })
            const box = await accept.boundingBox()
            expect(box && box.x >= 0 && box.x + box.width <= width).toBe(true)
            await page.screenshot({ path: path.join(SCREENSHOT_DIR, `suggestions-${screen}-${scheme}.png`) })

            if (screen === 'phone') await commentsLandmark(page).getByRole('button', { name: 'Close comments' }).click()
            await modeButton(page).click()
            const menu = page.getByRole('menu', { name: 'Mode' })
            await menu.waitFor()
            const menuBox = await menu.boundingBox()
            expect(menuBox && menuBox.x >= 0 && menuBox.x + menuBox.width <= width).toBe(true)
            expect(await menu.getByRole('menuitemradio').allTextContents()).toHaveLength(3)
            await page.screenshot({ path: path.join(SCREENSHOT_DIR, `mode-menu-${screen}-${scheme}.png`) })
          } finally {
            await context.close()
          }
        }
      }
    } finally {
      await close()
    }
  })

  it('says why an edit that cannot be a suggestion does nothing, and changes nothing', async () => {
    const docId = await documentWith('suggest-refused', 'Some text.\n\n```\nconst code = 1\n```')
    const context = await newWriterContext(browser, ALICE)
    try {
      const alice = await openDocument(context, app.url, docId)
      await chooseMode(alice, 'Suggesting')
      // Code blocks hold no marks, so typing there cannot be a suggested insertion.
      await alice.locator('.ProseMirror pre').click()
      await alice.keyboard.type('x')
      await eventually(() => alice.locator('.tandem-editor__notice').textContent()).toContain(
        'That change cannot be a suggestion',
      )
      expect(await alice.locator('.ProseMirror pre').textContent()).toBe('const code = 1')
      expect(await suggested(alice, 'ins')).toEqual([])
    } finally {
      await context.close()
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

describe('a comment link suggests, an editor decides', { timeout: 120_000 }, () => {
  const secret = randomBytes(32).toString('base64')
  let authApp: RunningApp

  beforeAll(async () => {
    authApp = await startApp({ authSecret: secret })
  }, 120_000)

  afterAll(async () => {
    await authApp?.close()
  })

  const token = (doc: string, role: 'edit' | 'comment' | 'view', name: string, userId: string) =>
    mintToken({ secret, doc, role, ttlSeconds: 600, name, userId })

  async function openWith(docId: string, link: string): Promise<{ page: Page; close: () => Promise<void> }> {
    const context = await browser.newContext({ viewport: { width: 1100, height: 760 } })
    const page = await context.newPage()
    await page.goto(`${authApp.url}/d/${docId}?token=${link}`)
    await eventually(() => syncState(page)).toBe('saved')
    return { page, close: () => context.close() }
  }

  it('the reviewer’s insertion and deletion reach the editor live; Accept and Reject converge both browsers and the server', async () => {
    const docId = uniqueDocId('comment-suggests')
    await authApp.server.documents.create({
      docId,
      content: { source: 'The quick brown fox jumps.', format: 'markdown' },
    })
    const editor = await openWith(docId, await token(docId, 'edit', 'Editor Ed', 'ed-1'))
    const reviewer = await openWith(docId, await token(docId, 'comment', 'Rita Reviewer', 'rita-1'))
    try {
      // The comment link opens in Suggesting, editable, and offers no Editing.
      await reviewer.page.getByRole('button', { name: 'Mode: Suggesting' }).waitFor()
      expect(await reviewer.page.locator('.ProseMirror').getAttribute('contenteditable')).toBe('true')
      await eventually(() => editorText(reviewer.page)).toBe('The quick brown fox jumps.')

      await focusEnd(reviewer.page)
      await reviewer.page.keyboard.type(' Today')
      await selectText(reviewer.page, 'quick ')
      await reviewer.page.keyboard.press('Backspace')
      await eventually(() => suggested(reviewer.page, 'ins')).toEqual([' Today'])
      await eventually(() => suggested(reviewer.page, 'del')).toEqual(['quick '])
      // The server took them (suggestions of the token's own person): saved, no refusal.
      await eventually(() => syncState(reviewer.page)).toBe('saved')
      expect(await reviewer.page.locator('.tandem-editor__banner').count()).toBe(0)
      // A reviewer proposes; deciding is for editors.
      await suggestionCard(reviewer.page, 'Add:').waitFor()
      expect(await commentsLandmark(reviewer.page).getByRole('button', { name: 'Accept' }).count()).toBe(0)

      // The editor sees both live, as ins/del and cards naming the reviewer.
      await eventually(() => suggested(editor.page, 'ins')).toEqual([' Today'])
      await eventually(() => suggested(editor.page, 'del')).toEqual(['quick '])
      const addCard = suggestionCard(editor.page, 'Add:')
      const deleteCard = suggestionCard(editor.page, 'Delete:')
      expect(await addCard.textContent()).toContain('Rita Reviewer')
      expect(await deleteCard.textContent()).toContain('Rita Reviewer')

      // Pending, they are not the text yet: the export reads as if they were rejected.
      const viewToken = await token(docId, 'view', 'Reader', 'reader-1')
      const exported = async () => {
        const response = await fetch(`${authApp.url}/api/docs/${docId}/content?format=text`, {
          headers: { Authorization: `Bearer ${viewToken}` },
        })
        return (await response.text()).trim()
      }
      expect(await exported()).toBe('The quick brown fox jumps.')

      await addCard.getByRole('button', { name: 'Accept', exact: true }).click()
      await deleteCard.getByRole('button', { name: 'Reject', exact: true }).click()
      const final = 'The quick brown fox jumps. Today'
      for (const page of [editor.page, reviewer.page]) {
        await eventually(() => suggested(page, 'ins')).toEqual([])
        await eventually(() => suggested(page, 'del')).toEqual([])
        await eventually(() => editorText(page)).toBe(final)
      }
      await eventually(() => syncState(editor.page)).toBe('saved')
      await eventually(exported).toBe(final)
    } finally {
      await Promise.all([editor.close(), reviewer.close()])
    }
  })
})
