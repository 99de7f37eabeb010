import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startApp, type RunningApp } from './helpers/app-server.js'
import { launchChromium } from './helpers/browser.js'
import {
  editorText,
  eventually,
  focusEnd,
  gateServerSync,
  newWriterContext,
  openDocument,
  syncState,
  uniqueDocId,
  unsyncedChanges,
} from './helpers/editor-page.js'

const ALICE = { name: 'Alice Liddell', color: '#e5484d' }
const BOB = { name: 'Bob Ross', color: '#30a46c' }

let app: RunningApp
let browser: Browser

beforeAll(async () => {
  ;[app, browser] = await Promise.all([startApp(), launchChromium()])
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await app?.close()
})

async function serverText(docId: string): Promise<string> {
  const response = await fetch(`${app.url}/api/docs/${docId}/content?format=text`)
  return response.ok ? response.text() : ''
}

async function twoWriters(docId: string) {
  const [aliceContext, bobContext] = await Promise.all([
    newWriterContext(browser, ALICE),
    newWriterContext(browser, BOB),
  ])
  const [alice, bob] = await Promise.all([
    openDocument(aliceContext, app.url, docId),
    openDocument(bobContext, app.url, docId),
  ])
  await eventually(() => syncState(alice)).toBe('saved')
  await eventually(() => syncState(bob)).toBe('saved')
  return {
    alice,
    bob,
    aliceContext,
    bobContext,
    close: () => Promise.all([aliceContext.close(), bobContext.close()]),
  }
}

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

  it('shows saved only once the server has the change', async () => {
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

  it('edits made offline are kept, counted, and merge with the others when the connection returns', async () => {
    const docId = uniqueDocId('offline')
    const { alice, bob, aliceContext, close } = await twoWriters(docId)
    try {
      await focusEnd(alice)
      await alice.keyboard.type('shared start')
      await eventually(() => editorText(bob)).toBe('shared start')

      await aliceContext.setOffline(true)
      await eventually(() => syncState(alice)).toBe('offline')
      await focusEnd(alice)
      await alice.keyboard.press('Enter')
      await alice.keyboard.type('written offline')
      await eventually(() => unsyncedChanges(alice)).toBeGreaterThan(0)
      await eventually(() => alice.locator('.status-pill').textContent()).toMatch(/Offline · \d+ changes? not synced/)

      await focusEnd(bob)
      await bob.keyboard.press('Enter')
      await bob.keyboard.type('written online')
      await eventually(() => syncState(bob)).toBe('saved')

      await aliceContext.setOffline(false)
      await eventually(() => syncState(alice)).toBe('saved')
      await eventually(async () => (await editorText(alice)) === (await editorText(bob))).toBe(true)
      const text = await editorText(bob)
      expect(text).toContain('written offline')
      expect(text).toContain('written online')
      expect(await unsyncedChanges(alice)).toBe(0)
      expect(await serverText(docId)).toContain('written offline')
    } finally {
      await close()
    }
  })

  it('an edit made without a server connection survives a reload and syncs later', async () => {
    const docId = uniqueDocId('idb')
    const context = await newWriterContext(browser, ALICE)
    // The page loads over HTTP, but its sync traffic reaches the server only when the gate is open.
    const gate = await gateServerSync(context)
    try {
      const page = await openDocument(context, app.url, docId)
      // Reloading with unsynced changes asks "leave the page?" (tested below); the writer leaves.
      page.on('dialog', (prompt) => void prompt.accept())
      await focusEnd(page)
      await page.keyboard.type('kept on this device')
      await eventually(() => unsyncedChanges(page)).toBeGreaterThan(0)
      expect(await serverText(docId)).toBe('')

      await page.reload()
      await page.locator('.ProseMirror').waitFor()
      await eventually(() => editorText(page)).toBe('kept on this device')
      // The count of unsynced changes survives the reload too.
      expect(await unsyncedChanges(page)).toBeGreaterThan(0)

      gate.open()
      await page.reload()
      await eventually(() => syncState(page)).toBe('saved')
      await eventually(() => serverText(docId)).toContain('kept on this device')
    } finally {
      await context.close()
    }
  })

  it('tabs of one browser share edits directly, even without a server connection', async () => {
    const docId = uniqueDocId('tabs')
    const context = await newWriterContext(browser, ALICE)
    // Never opened: only BroadcastChannel can carry the edit between the tabs.
    await gateServerSync(context)
    try {
      const first = await openDocument(context, app.url, docId)
      const second = await openDocument(context, app.url, docId)
      await focusEnd(first)
      await first.keyboard.type('across tabs')
      await eventually(() => editorText(second)).toBe('across tabs')
    } finally {
      await context.close()
    }
  })

  it('warns before the tab closes while changes are not on the server', async () => {
    const context = await newWriterContext(browser, ALICE)
    // Never opened: the edit stays unsynced.
    await gateServerSync(context)
    try {
      const page = await openDocument(context, app.url, uniqueDocId('unload'))
      await focusEnd(page)
      await page.keyboard.type('not yet saved')
      await eventually(() => unsyncedChanges(page)).toBeGreaterThan(0)
      const dialog = new Promise<string>((resolve) =>
        page.once('dialog', (prompt) => {
          resolve(prompt.type())
          void prompt.accept() // leave the page, as the writer would after reading the warning
        }),
      )
      await page.close({ runBeforeUnload: true })
      expect(await dialog).toBe('beforeunload')
    } finally {
      await context.close()
    }
  })
})
