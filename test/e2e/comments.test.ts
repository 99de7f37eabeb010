import { randomBytes } from 'node:crypto'
import type { Browser, Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mintToken } from '../../server/index.js'
import { documentWith as createDocument, startApp, type RunningApp } from './helpers/app-server.js'
import { launchChromium } from './helpers/browser.js'
import {
  commentOn,
  commentsLandmark,
  highlightedTexts,
  openCount,
  selectText,
  threadCard,
} from './helpers/comments-page.js'
import {
  editorText,
  eventually,
  newWriterContext,
  openDocument,
  syncState,
  uniqueDocId,
} from './helpers/editor-page.js'
import { ALICE, twoWriters } from './helpers/writers.js'

/** The contract: a comment from anywhere appears in every open browser of the document within a second. */
const LIVE_MS = 1_000

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

/** The accessible label of the focused element. */
function focusedLabel(page: Page): Promise<string | null> {
  return page.evaluate<string | null>(`document.activeElement?.getAttribute('aria-label') ?? null`)
}

/** Waits until `page` shows `text` in a comment card: the other browser's view, held to the one-second contract. */
function seesComment(page: Page, text: string, timeout = LIVE_MS) {
  return commentsLandmark(page).locator('.tandem-comment__body', { hasText: text }).waitFor({ timeout })
}

describe('comments in Chromium, two browsers', { timeout: 120_000 }, () => {
  it('select, comment, reply, resolve and reopen: each seen by the other within a second', async () => {
    const docId = await documentWith('comment-flow', 'The quick brown fox jumps over the lazy dog.')
    const { alice, bob, close } = await twoWriters(browser, app, docId)
    try {
      await eventually(() => editorText(bob)).toContain('lazy dog')

      // Select → Comment → the composer has focus → Ctrl+Enter posts.
      await selectText(alice, 'brown fox')
      await alice.getByRole('button', { name: 'Comment', exact: true }).click()
      const composer = commentsLandmark(alice).getByRole('textbox', { name: 'Comment', exact: true })
      await composer.waitFor()
      expect(await focusedLabel(alice)).toBe('Comment')
      await alice.keyboard.type('Is it brown, really?')
      await alice.keyboard.press('Control+Enter')
      await seesComment(alice, 'Is it brown, really?', 10_000)
      await seesComment(bob, 'Is it brown, really?')
      expect(await highlightedTexts(bob)).toEqual(['brown fox'])
      expect(await threadCard(bob, 'Is it brown, really?').locator('blockquote').textContent()).toBe('brown fox')
      await eventually(() => openCount(bob)).toBe(1)

      // Bob replies from his card's reply box.
      await threadCard(bob, 'Is it brown, really?').getByRole('button', { name: 'Reply', exact: true }).click()
      const reply = threadCard(bob, 'Is it brown, really?').getByRole('textbox', { name: 'Reply' })
      await reply.fill('Russet, I would say.')
      await reply.press('Control+Enter')
      await seesComment(bob, 'Russet, I would say.', 10_000)
      await seesComment(alice, 'Russet, I would say.')
      await expect
        .poll(() => threadCard(alice, 'Russet').locator('.tandem-comment__author').allTextContents())
        .toEqual(['Alice Liddell', 'Bob Ross'])
      // No AUTH_SECRET: the names are each browser's own claim, and the cards say so.
      expect(await threadCard(alice, 'Russet').locator('.tandem-comment__unverified').allTextContents()).toEqual([
        'unverified',
        'unverified',
      ])

      // Alice resolves: Bob's open count drops and the highlight goes, within a second.
      await threadCard(alice, 'Russet').getByRole('button', { name: 'Resolve' }).click()
      await expect.poll(() => openCount(bob), { timeout: LIVE_MS, interval: 25 }).toBe(0)
      expect(await highlightedTexts(bob)).toEqual([])

      // Bob reopens it from the Resolved filter; Alice sees it open again within a second.
      await commentsLandmark(bob)
        .getByRole('radio', { name: /Resolved/ })
        .click()
      await threadCard(bob, 'Russet').getByRole('button', { name: 'Reopen' }).click()
      await expect.poll(() => openCount(alice), { timeout: LIVE_MS, interval: 25 }).toBe(1)
      await eventually(() => highlightedTexts(alice)).toEqual(['brown fox'])
    } finally {
      await close()
    }
  })

  it('an edit before the anchor moves the highlight with its text; deleting the text marks the thread', async () => {
    const docId = await documentWith('comment-anchor', 'Alpha beta gamma.')
    const { alice, bob, close } = await twoWriters(browser, app, docId)
    try {
      await eventually(() => editorText(bob)).toContain('gamma')
      await commentOn(alice, 'beta', 'Greek enough?')
      await seesComment(bob, 'Greek enough?', 10_000)
      await eventually(() => highlightedTexts(bob)).toEqual(['beta'])

      // Bob writes before the anchor: Alice's highlight still covers exactly "beta".
      await bob.locator('.ProseMirror').focus()
      await bob.keyboard.press('Control+Home')
      await bob.keyboard.type('Well: ')
      await eventually(() => editorText(alice)).toBe('Well: Alpha beta gamma.')
      await eventually(() => highlightedTexts(alice)).toEqual(['beta'])
      // And it sits after the inserted text, on the word itself, not at its old offset.
      const before = await alice.evaluate<string>(`(() => {
        const highlight = document.querySelector('.ProseMirror .tandem-comment-highlight')
        const range = document.createRange()
        range.setStart(highlight.closest('p'), 0)
        range.setEndBefore(highlight)
        const text = range.cloneContents()
        text.querySelectorAll('.collaboration-carets__caret').forEach((caret) => caret.remove())
        return text.textContent
      })()`)
      expect(before).toBe('Well: Alpha ')

      // Bob deletes the commented word: the thread stays, marked as on deleted text, with its quote.
      await selectText(bob, 'beta ')
      await bob.keyboard.press('Backspace')
      await eventually(() => editorText(alice)).toBe('Well: Alpha gamma.')
      const card = threadCard(alice, 'Greek enough?')
      await card.getByText('On deleted text').waitFor({ timeout: 5_000 })
      expect(await card.locator('blockquote').textContent()).toBe('beta')
      expect(await highlightedTexts(alice)).toEqual([])
    } finally {
      await close()
    }
  })

  it('a hostile body stays text; http links become safe links, other schemes do not', async () => {
    const docId = await documentWith('comment-hostile', 'Some text to talk about.')
    const { alice, bob, close } = await twoWriters(browser, app, docId)
    const dialogs: string[] = []
    bob.on('dialog', (dialog) => {
      dialogs.push(dialog.message())
      void dialog.dismiss()
    })
    try {
      const hostile = '<img src=x onerror=alert(1)> see https://example.com/a?b=1. or javascript:alert(2)'
      await commentOn(alice, 'text', hostile)
      const body = commentsLandmark(bob).locator('.tandem-comment__body').first()
      await body.waitFor({ timeout: 10_000 })
      expect(await body.textContent()).toBe(hostile)
      expect(await commentsLandmark(bob).locator('img').count()).toBe(0)
      const links = body.locator('a')
      expect(await links.count()).toBe(1)
      expect(await links.getAttribute('href')).toBe('https://example.com/a?b=1')
      expect(await links.getAttribute('rel')).toBe('noopener noreferrer')
      expect(await links.getAttribute('target')).toBe('_blank')
      expect(dialogs).toEqual([])
    } finally {
      await close()
    }
  })

  it('writers edit and delete their own comments only; an editor deletes a whole thread', async () => {
    const docId = await documentWith('comment-own', 'Mine and yours.')
    const { alice, bob, close } = await twoWriters(browser, app, docId)
    try {
      await commentOn(alice, 'Mine', 'Alice wrote this')
      await seesComment(bob, 'Alice wrote this', 10_000)
      const atBob = threadCard(bob, 'Alice wrote this')
      // Not his: Bob can reply and resolve, not edit or delete Alice's words.
      expect(await atBob.getByRole('button', { name: 'Edit', exact: true }).count()).toBe(0)
      expect(await atBob.getByRole('button', { name: 'Delete', exact: true }).count()).toBe(0)

      const atAlice = threadCard(alice, 'Alice wrote this')
      await atAlice.getByRole('button', { name: 'Edit', exact: true }).click()
      const edit = commentsLandmark(alice).getByRole('textbox', { name: 'Edit comment' })
      await edit.fill('Alice rewrote this')
      await edit.press('Control+Enter')
      await seesComment(bob, 'Alice rewrote this')
      await threadCard(bob, 'Alice rewrote this').getByText('(edited)').waitFor()

      // Bob's reply, deleted by Bob after he confirms in place.
      await threadCard(bob, 'Alice rewrote').getByRole('button', { name: 'Reply', exact: true }).click()
      await bob.keyboard.type('A reply to take back')
      await bob.keyboard.press('Control+Enter')
      await seesComment(alice, 'A reply to take back', 10_000)
      const reply = threadCard(bob, 'A reply to take back').locator('.tandem-comment', {
        hasText: 'A reply to take back',
      })
      await reply.getByRole('button', { name: 'Delete', exact: true }).click()
      await reply.getByRole('group', { name: 'Delete this comment?' }).getByRole('button', { name: 'Delete' }).click()
      await commentsLandmark(alice)
        .locator('.tandem-comment__body', { hasText: 'A reply to take back' })
        .waitFor({ state: 'detached', timeout: LIVE_MS })

      // Moderation: the edit role deletes the whole thread, for everyone.
      await threadCard(bob, 'Alice rewrote').getByRole('button', { name: 'Delete thread' }).click()
      await threadCard(bob, 'Alice rewrote').getByRole('button', { name: 'Delete', exact: true }).click()
      await threadCard(alice, 'Alice rewrote').waitFor({ state: 'detached', timeout: LIVE_MS })
      await eventually(() => openCount(alice)).toBe(0)
    } finally {
      await close()
    }
  })

  it('on a phone the threads are a panel: the toolbar count opens it, and so does a tap on a highlight', async () => {
    const docId = await documentWith('comment-phone', 'Small screens need room.')
    const { alice, close } = await twoWriters(browser, app, docId)
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true })
    try {
      await commentOn(alice, 'room', 'Seen on a phone?')
      await seesComment(alice, 'Seen on a phone?', 10_000)
      const phone = await context.newPage()
      await phone.goto(`${app.url}/d/${docId}`)
      await phone.locator('.tandem-comment-highlight').waitFor()
      // Closed at first: the document has the screen.
      expect(await commentsLandmark(phone).count()).toBe(0)
      const toggle = phone.getByRole('button', { name: 'Comments: 1 open' })
      await toggle.click()
      await seesComment(phone, 'Seen on a phone?')
      expect(await toggle.getAttribute('aria-expanded')).toBe('true')
      await commentsLandmark(phone).getByRole('button', { name: 'Close comments' }).click()
      await commentsLandmark(phone).waitFor({ state: 'detached' })
      await phone.locator('.tandem-comment-highlight').tap()
      await seesComment(phone, 'Seen on a phone?')
    } finally {
      await context.close()
      await close()
    }
  })

  it('on a phone the comment controls close the sideways-scrolling toolbar: no other button shows past them', async () => {
    const docId = await documentWith('comment-phone-toolbar', 'A narrow screen.')
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true })
    try {
      const phone = await context.newPage()
      await phone.goto(`${app.url}/d/${docId}`)
      await phone.locator('.ProseMirror').waitFor()
      const toggle = phone.getByRole('button', { name: /^Comments: \d+ open$/ })
      await toggle.waitFor()
      const box = (await phone.locator('.tandem-toolbar').boundingBox())!
      // What is drawn at the toolbar's right edge, a pixel in: the comment controls, not a scrolled button.
      const atRightEdge = await phone.evaluate<string | null>(`(() => {
        const hit = document.elementFromPoint(${box.x + box.width - 1}, ${box.y + box.height / 2})
        return hit?.closest('.tandem-toolbar__group--comments') ? 'comment controls' : hit?.closest('[aria-label]')?.getAttribute('aria-label') ?? hit?.tagName ?? null
      })()`)
      expect(atRightEdge).toBe('comment controls')
    } finally {
      await context.close()
    }
  })

  it('a comment written offline waits, shown as "Waiting to send", and goes out on reconnect', async () => {
    const docId = await documentWith('comment-offline', 'Written while the train was in a tunnel.')
    const { alice, bob, aliceContext, close } = await twoWriters(browser, app, docId)
    try {
      await aliceContext.setOffline(true)
      await eventually(() => syncState(alice)).toBe('offline')
      await commentOn(alice, 'tunnel', 'Typed underground')
      const waiting = commentsLandmark(alice).getByText('Waiting to send')
      await waiting.waitFor()
      // The composer made way for the queued comment: nothing left to lose in it.
      expect(await commentsLandmark(alice).getByRole('textbox', { name: 'Comment', exact: true }).count()).toBe(0)

      await aliceContext.setOffline(false)
      await seesComment(bob, 'Typed underground', 15_000)
      await waiting.waitFor({ state: 'detached' })
      expect(
        await commentsLandmark(alice).locator('.tandem-comment__body', { hasText: 'Typed underground' }).count(),
      ).toBe(1)
    } finally {
      await close()
    }
  })

  it('by keyboard alone: Ctrl+Alt+M opens the composer, Escape cancels, Ctrl+Enter posts, Reply focuses the reply box', async () => {
    const docId = await documentWith('comment-keys', 'Keyboard only, please.')
    const { alice, close } = await twoWriters(browser, app, docId)
    try {
      await selectText(alice, 'Keyboard')
      await alice.keyboard.press('Control+Alt+KeyM')
      const composer = commentsLandmark(alice).getByRole('textbox', { name: 'Comment', exact: true })
      await composer.waitFor()
      expect(await focusedLabel(alice)).toBe('Comment')
      await alice.keyboard.press('Escape')
      await composer.waitFor({ state: 'detached' })

      // Posting and replying by keyboard alone: Reply (Enter) puts the focus in the reply box.
      await selectText(alice, 'please')
      await alice.keyboard.press('Control+Alt+KeyM')
      await composer.waitFor()
      await alice.keyboard.type('Keyed in')
      await alice.keyboard.press('Control+Enter')
      await seesComment(alice, 'Keyed in', 10_000)
      await commentsLandmark(alice).getByRole('button', { name: 'Comment on the document' }).focus()
      await alice.keyboard.press('Enter')
      await alice.keyboard.type('Whole thing')
      await alice.keyboard.press('Control+Enter')
      await seesComment(alice, 'Whole thing', 10_000)
      const first = threadCard(alice, 'Keyed in')
      await first.getByRole('button', { name: 'Reply', exact: true }).focus()
      await alice.keyboard.press('Enter')
      await eventually(() => focusedLabel(alice)).toBe('Reply')
      await alice.keyboard.type('Answered by keyboard')
      // Still the reply box: a late answer to the whole-document post once made that thread active
      // and closed this reply box while it was being typed into (a loaded CI run lost the reply).
      const replyBox = first.getByRole('textbox', { name: 'Reply', exact: true })
      expect(await replyBox.inputValue()).toBe('Answered by keyboard')
      await alice.keyboard.press('Control+Enter')
      await seesComment(alice, 'Answered by keyboard', 10_000)
    } finally {
      await close()
    }
  })
  it('the bubble over a selection starts a comment too, and the Post button posts it', async () => {
    const docId = await documentWith('comment-bubble', 'Point at this phrase, please.')
    const { alice, bob, close } = await twoWriters(browser, app, docId)
    try {
      await eventually(() => editorText(bob)).toContain('this phrase')
      await selectText(alice, 'this phrase')
      await alice.getByRole('button', { name: 'Comment on the selection' }).click()
      const composer = commentsLandmark(alice).getByRole('textbox', { name: 'Comment', exact: true })
      await composer.waitFor()
      expect(await focusedLabel(alice)).toBe('Comment')
      await alice.keyboard.type('From the bubble')
      await commentsLandmark(alice).getByRole('button', { name: 'Post', exact: true }).click()
      await seesComment(alice, 'From the bubble', 10_000)
      await seesComment(bob, 'From the bubble')
      expect(await highlightedTexts(bob)).toEqual(['this phrase'])
    } finally {
      await close()
    }
  })

  it('a click on a highlight makes its card the active one; a click on a card makes its highlight the strong one', async () => {
    const docId = await documentWith('comment-active', 'First passage here. Second passage there.')
    const { alice, close } = await twoWriters(browser, app, docId)
    try {
      await commentOn(alice, 'First passage', 'About the first')
      await seesComment(alice, 'About the first', 10_000)
      await commentOn(alice, 'Second passage', 'About the second')
      await seesComment(alice, 'About the second', 10_000)
      const strongHighlight = () => alice.locator('.ProseMirror .tandem-comment-highlight--active').allTextContents()
      const activeCards = () => commentsLandmark(alice).locator('article.tandem-thread[data-active]').allTextContents()

      await alice.locator('.ProseMirror .tandem-comment-highlight', { hasText: 'First passage' }).click()
      await eventually(activeCards).toEqual([expect.stringContaining('About the first')])
      await eventually(strongHighlight).toEqual(['First passage'])

      await threadCard(alice, 'About the second').locator('blockquote').click()
      await eventually(activeCards).toEqual([expect.stringContaining('About the second')])
      await eventually(strongHighlight).toEqual(['Second passage'])
    } finally {
      await close()
    }
  })

  it('on a wide screen each card stands level with its text, in document order', async () => {
    const filler = Array.from({ length: 24 }, (_, index) => `Filler paragraph number ${index + 1}.`)
    const markdown = ['An early passage.', ...filler, 'A late passage.'].join('\n\n')
    const docId = await documentWith('comment-beside', markdown)
    const { alice, close } = await twoWriters(browser, app, docId)
    try {
      // Written late passage first: the sidebar orders by the text, not by time.
      await commentOn(alice, 'late passage', 'About the end')
      await seesComment(alice, 'About the end', 10_000)
      await commentOn(alice, 'early passage', 'About the start')
      await seesComment(alice, 'About the start', 10_000)
      const cards = commentsLandmark(alice).locator('article.tandem-thread')
      await eventually(() => cards.allTextContents()).toEqual([
        expect.stringContaining('About the start'),
        expect.stringContaining('About the end'),
      ])
      // The late card moves down to its text, far below where stacking would put it.
      const topOf = async (locator: Locator) => (await locator.boundingBox())?.y ?? NaN
      const lateText = alice.locator('.ProseMirror .tandem-comment-highlight', { hasText: 'late passage' })
      const earlyCard = await threadCard(alice, 'About the start').boundingBox()
      expect(await topOf(lateText)).toBeGreaterThan(earlyCard!.y + earlyCard!.height + 100)
      await eventually(async () =>
        Math.abs((await topOf(threadCard(alice, 'About the end'))) - (await topOf(lateText))),
      ).toBeLessThan(24)
    } finally {
      await close()
    }
  })

  it('remembers the filter a reader chose, after a reload and in another document', async () => {
    const [first, second] = await Promise.all([
      documentWith('comment-filter', 'Reading habits.'),
      documentWith('comment-filter-next', 'Kept between documents.'),
    ])
    const context = await newWriterContext(browser, ALICE)
    try {
      const page = await openDocument(context, app.url, first)
      const checked = (name: RegExp) => commentsLandmark(page).getByRole('radio', { name }).getAttribute('aria-checked')
      await eventually(() => checked(/^Open/)).toBe('true')
      await commentsLandmark(page).getByRole('radio', { name: /^All/ }).click()
      await eventually(() => checked(/^All/)).toBe('true')

      await page.reload()
      await page.locator('.ProseMirror[contenteditable="true"]').waitFor()
      await eventually(() => checked(/^All/)).toBe('true')
      expect(await checked(/^Open/)).toBe('false')

      await page.goto(`${app.url}/d/${second}`)
      await page.locator('.ProseMirror[contenteditable="true"]').waitFor()
      await eventually(() => checked(/^All/)).toBe('true')
    } finally {
      await context.close()
    }
  })
})

describe('comment and view links (AUTH_SECRET)', { timeout: 120_000 }, () => {
  const secret = randomBytes(32).toString('base64')
  let authApp: RunningApp

  beforeAll(async () => {
    authApp = await startApp({ authSecret: secret })
  }, 120_000)

  afterAll(async () => {
    await authApp?.close()
  })

  const token = (doc: string, role: 'edit' | 'comment' | 'view', name?: string) =>
    mintToken({ secret, doc, role, ttlSeconds: 600, ...(name ? { name } : {}) })

  async function seeded(label: string): Promise<string> {
    const docId = uniqueDocId(label)
    await authApp.server.documents.create({
      docId,
      title: label,
      content: { source: 'Read this and say something.', format: 'markdown' },
    })
    const response = await fetch(`${authApp.url}/api/docs/${docId}/threads`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${await token(docId, 'edit', 'Editor Ed')}`,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({ body: 'Posted over REST' }),
    })
    expect(response.status).toBe(201)
    return docId
  }

  async function open(docId: string, role: 'comment' | 'view') {
    const context = await browser.newContext({ viewport: { width: 1100, height: 760 } })
    const page = await context.newPage()
    await page.goto(`${authApp.url}/d/${docId}?token=${await token(docId, role)}`)
    await eventually(() => syncState(page)).toBe('saved')
    await eventually(() => editorText(page)).toBe('Read this and say something.')
    return { page, close: () => context.close() }
  }

  it('a view link sees threads and no composer', async () => {
    const docId = await seeded('view-threads')
    const { page, close } = await open(docId, 'view')
    try {
      await seesComment(page, 'Posted over REST', 10_000)
      expect(await page.getByRole('button', { name: 'Comment', exact: true }).count()).toBe(0)
      expect(await commentsLandmark(page).getByRole('textbox').count()).toBe(0)
      expect(await commentsLandmark(page).getByRole('button', { name: 'Resolve' }).count()).toBe(0)
      // Nothing to select a comment with: the bubble menu stays away too.
      await selectText(page, 'Read').catch(() => undefined)
      expect(await page.getByRole('button', { name: 'Comment on the selection' }).count()).toBe(0)
    } finally {
      await close()
    }
  })

  it('a comment kept from an earlier visit that the link may no longer post is shown as not sent, with its text, until dismissed', async () => {
    const docId = await seeded('refused-after-reload')
    const context = await browser.newContext({ viewport: { width: 1100, height: 760 } })
    try {
      // What an earlier visit left: a comment typed offline, kept in this browser for re-sending.
      const key = `tandem:comments-pending:${authApp.url}/${docId}`
      const kept = [
        {
          id: 'kept-comment-0001',
          kind: 'thread',
          threadId: null,
          body: 'Typed on the train',
          quote: '',
          anchor: null,
        },
      ]
      await context.addInitScript(
        `localStorage.setItem(${JSON.stringify(key)}, ${JSON.stringify(JSON.stringify(kept))})`,
      )
      const page = await context.newPage()
      await page.goto(`${authApp.url}/d/${docId}?token=${await token(docId, 'view')}`)
      await eventually(() => syncState(page)).toBe('saved')
      const notSent = commentsLandmark(page).getByRole('list', { name: 'Not sent' })
      await notSent.getByRole('alert').filter({ hasText: 'Not sent:' }).waitFor({ timeout: 10_000 })
      expect(await notSent.textContent()).toContain('Typed on the train')
      await notSent.getByRole('button', { name: 'Dismiss' }).click()
      await notSent.waitFor({ state: 'detached' })
      expect(await page.evaluate(`localStorage.getItem(${JSON.stringify(key)})`)).toBeNull()
    } finally {
      await context.close()
    }
  })

  it('a comment link comments and suggests; while Viewing, what it types changes nothing and the app says why', async () => {
    const docId = await seeded('comment-link')
    const { page, close } = await open(docId, 'comment')
    try {
      await page.getByText('Can comment', { exact: true }).waitFor()
      // A comment link opens in Suggesting (issue 17): the text takes suggestions, never plain edits.
      await page.getByRole('button', { name: 'Mode: Suggesting' }).waitFor()
      expect(await page.locator('.ProseMirror').getAttribute('contenteditable')).toBe('true')
      await seesComment(page, 'Posted over REST', 10_000)

      await commentOn(page, 'say something', 'A reviewer speaks')
      await seesComment(page, 'A reviewer speaks', 10_000)
      const listed = await fetch(`${authApp.url}/api/docs/${docId}/threads`, {
        headers: { Authorization: `Bearer ${await token(docId, 'view')}` },
      })
      const { threads } = (await listed.json()) as { threads: { quote: string; comments: { body: string }[] }[] }
      expect(threads.map((thread) => thread.comments[0]?.body)).toContain('A reviewer speaks')
      expect(threads.find((thread) => thread.comments[0]?.body === 'A reviewer speaks')?.quote).toBe('say something')

      // Viewing, typing into the text changes nothing, and the page says why.
      await page.getByRole('button', { name: 'Mode: Suggesting' }).click()
      await page.getByRole('menuitemradio', { name: 'Viewing', exact: true }).click()
      await page.locator('.ProseMirror[contenteditable="false"]').waitFor()
      await page.locator('.ProseMirror p').click()
      await page.keyboard.type('vandalism')
      await page
        .getByRole('status')
        .filter({ hasText: 'You are viewing. Choose Suggesting in the mode menu to propose changes.' })
        .waitFor()
      expect(await editorText(page)).toBe('Read this and say something.')
      const content = await fetch(`${authApp.url}/api/docs/${docId}/content?format=text`, {
        headers: { Authorization: `Bearer ${await token(docId, 'view')}` },
      })
      expect((await content.text()).trim()).toBe('Read this and say something.')
    } finally {
      await close()
    }
  })

  it('an editor copies a “Can comment” link that opens with comments, in Suggesting, without Editing', async () => {
    const docId = await seeded('share-comment')
    const context = await browser.newContext()
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: authApp.url })
    try {
      const page = await context.newPage()
      await page.goto(`${authApp.url}/d/${docId}?token=${await token(docId, 'edit')}`)
      await page.locator('.ProseMirror[contenteditable="true"]').waitFor()
      await page.getByRole('button', { name: 'Share' }).click()
      await page.getByRole('menuitem', { name: 'Copy “Can comment” link' }).click()
      await page.getByText('Link copied').waitFor()
      const link = await page.evaluate<string>('navigator.clipboard.readText()')
      const reviewer = await browser.newContext()
      try {
        const reviewerPage = await reviewer.newPage()
        await reviewerPage.goto(link)
        await reviewerPage.getByText('Can comment', { exact: true }).waitFor()
        await seesComment(reviewerPage, 'Posted over REST', 10_000)
        await reviewerPage.getByRole('button', { name: 'Mode: Suggesting' }).click()
        const modes = await reviewerPage.getByRole('menuitemradio').allTextContents()
        expect(modes.join(' ')).not.toContain('Editing')
        expect(modes.join(' ')).toContain('Viewing')
      } finally {
        await reviewer.close()
      }
    } finally {
      await context.close()
    }
  })
})

describe('a write the server refuses', { timeout: 120_000 }, () => {
  let strictApp: RunningApp

  beforeAll(async () => {
    strictApp = await startApp({ limits: { maxCommentsPerThread: 1 } })
  }, 120_000)

  afterAll(async () => {
    await strictApp?.close()
  })

  it("shows the server's reason in place and keeps the text", async () => {
    const docId = uniqueDocId('comment-refused')
    await strictApp.server.documents.create({ docId, content: { source: 'One comment only.', format: 'markdown' } })
    const context = await browser.newContext({ viewport: { width: 1100, height: 760 } })
    try {
      const page = await context.newPage()
      await page.goto(`${strictApp.url}/d/${docId}`)
      await page.locator('.ProseMirror[contenteditable="true"]').waitFor()
      await eventually(() => syncState(page)).toBe('saved')
      await commentOn(page, 'only', 'The first and last')
      await seesComment(page, 'The first and last', 10_000)

      const card = threadCard(page, 'The first and last')
      const reply = card.getByRole('textbox', { name: 'Reply' })
      await reply.fill('One too many')
      await reply.press('Control+Enter')
      const alert = card.getByRole('alert')
      await alert.waitFor({ timeout: 10_000 })
      expect((await alert.textContent())?.length).toBeGreaterThan(10)
      expect(await reply.inputValue()).toBe('One too many')
    } finally {
      await context.close()
    }
  })
})
