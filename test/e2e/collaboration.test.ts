import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startApp, type RunningApp } from './helpers/app-server.js'
import { launchChromium } from './helpers/browser.js'
import {
  editorText,
  eventually,
  focusEnd,
  openDocument,
  syncState,
  uniqueDocId,
  unsyncedChanges,
} from './helpers/editor-page.js'
import { ALICE, BOB, serverText as renderedText, twoWriters as openTwoWriters } from './helpers/writers.js'

let app: RunningApp
let browser: Browser

beforeAll(async () => {
  ;[app, browser] = await Promise.all([startApp(), launchChromium()])
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await app?.close()
})

const serverText = (docId: string) => renderedText(app, docId)
const twoWriters = (docId: string) => openTwoWriters(browser, app, docId)

describe('collaborative editing in Chromium', { timeout: 90_000 }, () => {
  it('two writers typing at the same time end with identical content', async () => {
    const docId = uniqueDocId('concurrent')
    const { alice, bob, close } = await twoWriters(docId)
    try {
      await Promise.all([focusEnd(alice), focusEnd(bob)])
      await Promise.all([
        alice.keyboard.type('alice writes here ', { delay: 15 }),
        bob.keyboard.type('bob writes there ', { delay: 15 }),
      ])
      await eventually(async () => (await editorText(alice)) === (await editorText(bob))).toBe(true)
      const text = await editorText(alice)
      expect(text).toContain('alice writes here')
      expect(text).toContain('bob writes there')
      await eventually(() => serverText(docId)).toContain('alice writes here')
    } finally {
      await close()
    }
  })

  it("each writer sees the other's caret labelled with their name within a second", async () => {
    const { alice, bob, close } = await twoWriters(uniqueDocId('carets'))
    try {
      await focusEnd(bob)
      await bob.keyboard.type('Hi')
      const bobCaretAtAlice = alice.locator('.collaboration-carets__label', { hasText: BOB.name })
      await bobCaretAtAlice.waitFor({ timeout: 1_000 })
      // Bob's colour, as CollaborationCaret sets it inline on his label.
      expect(
        await bobCaretAtAlice.evaluate((label: { style: { backgroundColor: string } }) => label.style.backgroundColor),
      ).toBe('rgb(48, 164, 108)')

      await focusEnd(alice)
      await alice.keyboard.type('!')
      await bob.locator('.collaboration-carets__label', { hasText: ALICE.name }).waitFor({ timeout: 1_000 })
      // Presence: Bob's avatar is listed on Alice's page.
      await alice.locator(`[data-presence-name="${BOB.name}"]`).waitFor({ timeout: 1_000 })
    } finally {
      await close()
    }
  })

  it('glides a remote caret to where it moved rather than jumping, and leaves it exactly there', async () => {
    const { alice, bob, close } = await twoWriters(uniqueDocId('glide'))
    try {
      await focusEnd(alice)
      await alice.keyboard.type('one two three four')
      await eventually(() => editorText(bob)).toBe('one two three four')
      const aliceCaret = bob.locator('.collaboration-carets__caret', { hasText: ALICE.name })
      await aliceCaret.waitFor()
      // Every start offset the glide gives Alice's caret on Bob's page (the transform it starts from).
      await bob.evaluate(`(() => {
        window.__glides = []
        new MutationObserver((records) => {
          for (const record of records) {
            const match = /translate\\((-?[\\d.]+)px/.exec(record.oldValue ?? '')
            if (match && record.target.classList.contains('collaboration-carets__caret')) window.__glides.push(Number(match[1]))
          }
        }).observe(document.querySelector('.ProseMirror'), { attributes: true, attributeFilter: ['style'], attributeOldValue: true, subtree: true })
      })()`)
      const leftOf = () =>
        aliceCaret.evaluate(
          (caret: { getBoundingClientRect(): { left: number } }) => caret.getBoundingClientRect().left,
        )
      const before = await leftOf()
      // Two words to the left: the caret moves about 80 px along the line.
      await alice.keyboard.press('Control+ArrowLeft')
      await alice.keyboard.press('Control+ArrowLeft')
      // It started from where it was shown, to the right (a positive offset; the last moves of
      // Alice's typing may still arrive first, gliding a few px the other way)...
      await eventually(() => bob.evaluate<number[]>('window.__glides').then((dxs) => dxs.some((dx) => dx > 20))).toBe(
        true,
      )
      // ...and comes to rest exactly at Alice's caret, with no offset left.
      await eventually(() =>
        aliceCaret.evaluate((caret: { style: { transform: string } }) => caret.style.transform),
      ).toBe('')
      await eventually(leftOf).toBeLessThan(before - 20)
    } finally {
      await close()
    }
  })

  it('R-DURABLE: shows saved only once the server has the change', async () => {
    const docId = uniqueDocId('saved')
    const { alice, close } = await twoWriters(docId)
    try {
      await focusEnd(alice)
      await alice.keyboard.type('durable words')
      await eventually(() => syncState(alice)).toBe('saved')
      // "Saved" is the server's acknowledgement: the committed document already has the words.
      expect(await serverText(docId)).toContain('durable words')
      expect(await unsyncedChanges(alice)).toBe(0)
      expect(await alice.locator('.status-pill').getAttribute('data-transport')).toBe('websocket')
    } finally {
      await close()
    }
  })

  it("undo takes back only the writer's own edits", async () => {
    const { alice, bob, close } = await twoWriters(uniqueDocId('undo'))
    try {
      await focusEnd(alice)
      await alice.keyboard.type('from alice')
      await eventually(() => editorText(bob)).toBe('from alice')
      await focusEnd(bob)
      await bob.keyboard.press('Enter')
      await bob.keyboard.type('from bob')
      await eventually(() => editorText(alice)).toBe('from alicefrom bob')

      await alice.locator('.ProseMirror').focus()
      // Yjs groups keystrokes typed within 500 ms into one undo step; a slow machine makes more
      // steps. Undoing more often than Alice typed must still never touch Bob's text.
      for (let step = 0; step < 'from alice'.length + 2; step++) await alice.keyboard.press('Control+z')
      await eventually(() => editorText(alice)).toBe('from bob')
      await eventually(() => editorText(bob)).toBe('from bob')
    } finally {
      await close()
    }
  })

  it('a reload shows the persisted document', async () => {
    const docId = uniqueDocId('reload')
    const { alice, close } = await twoWriters(docId)
    try {
      await focusEnd(alice)
      await alice.keyboard.type('still here after reload')
      await eventually(() => syncState(alice)).toBe('saved')
      // A fresh profile has no IndexedDB copy: what it shows came from the server.
      const stranger = await browser.newContext()
      try {
        const page = await openDocument(stranger, app.url, docId)
        await eventually(() => editorText(page)).toBe('still here after reload')
        await page.reload()
        await eventually(() => editorText(page)).toBe('still here after reload')
      } finally {
        await stranger.close()
      }
    } finally {
      await close()
    }
  })
})
