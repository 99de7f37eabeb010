import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startApp, type RunningApp } from './helpers/app-server.js'
import { launchChromium } from './helpers/browser.js'
import {
  editorText,
  eventually,
  focusEnd,
  gateServerSync,
  localCopyState,
  newWriterContext,
  openDocument,
  syncState,
  uniqueDocId,
  unsyncedChanges,
} from './helpers/editor-page.js'
import { ALICE, serverText as renderedText, twoWriters as openTwoWriters } from './helpers/writers.js'

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

describe('offline editing in Chromium', { timeout: 90_000 }, () => {
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
      // What a reload may rely on: the browser's offline copy has committed the last keystroke (a
      // loaded CI run reloaded while IndexedDB still held the last word in flight, and lost it).
      await eventually(() => editorText(page)).toBe('kept on this device')
      await eventually(() => localCopyState(page)).toBe('current')

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
