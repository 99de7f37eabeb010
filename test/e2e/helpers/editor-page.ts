import { expect } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'

export interface TestUser {
  name: string
  color: string
}

/** A browser profile whose remembered identity is `user` (the app reads it from localStorage). */
export async function newWriterContext(browser: Browser, user: TestUser): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 760 } })
  // Only when unset: init scripts run again on every reload, and a changed identity must survive it.
  await context.addInitScript(
    `if (!localStorage.getItem('tandem:user')) localStorage.setItem('tandem:user', ${JSON.stringify(JSON.stringify(user))})`,
  )
  return context
}

/** Opens /d/<docId> and waits until the editable area exists. */
export async function openDocument(context: BrowserContext, baseUrl: string, docId: string): Promise<Page> {
  const page = await context.newPage()
  await page.goto(`${baseUrl}/d/${docId}`)
  await page.locator('.ProseMirror[contenteditable="true"]').waitFor()
  return page
}

/** Runs in the page (as a string: the test tsconfig has no DOM types). Remote carets are decorations, not text. */
const DOCUMENT_TEXT = `(() => {
  const root = document.querySelector('.ProseMirror')
  if (!root) return ''
  const copy = root.cloneNode(true)
  copy.querySelectorAll('.collaboration-carets__caret').forEach((caret) => caret.remove())
  return copy.textContent ?? ''
})()`

/** The document's text as this writer sees it, without other writers' caret labels. */
export async function editorText(page: Page): Promise<string> {
  return page.evaluate<string>(DOCUMENT_TEXT)
}

/** The status pill's state attribute: connecting, connected, saving, saved, offline or error. */
export async function syncState(page: Page): Promise<string> {
  return (await page.locator('.status-pill').getAttribute('data-state')) ?? ''
}

export async function unsyncedChanges(page: Page): Promise<number> {
  return Number((await page.locator('.status-pill').getAttribute('data-unsynced')) ?? 0)
}

/** `current` once this browser's offline copy holds every change made in the page, else `behind`. */
export async function localCopyState(page: Page): Promise<string> {
  return (await page.locator('.status-pill').getAttribute('data-local-copy')) ?? ''
}

/** Puts the cursor at the very end of the document. */
export async function focusEnd(page: Page): Promise<void> {
  await page.locator('.ProseMirror').click()
  // A key press can race the click's own caret placement on a loaded machine; putting the DOM
  // selection at the end of the last block is deterministic, and ProseMirror follows it.
  // (A string, because the tests' TypeScript has no DOM types.)
  await page.evaluate(`(() => {
    const root = document.querySelector('.ProseMirror')
    const range = document.createRange()
    range.selectNodeContents(root.lastElementChild ?? root)
    range.collapse(false)
    const selection = window.getSelection()
    selection.removeAllRanges()
    selection.addRange(range)
  })()`)
  await page.keyboard.press('Control+End')
  // The click's own caret placement can still land after all that on a loaded machine (a CI run
  // typed at the start): wait until the editor itself holds its caret at the end.
  await eventually(async () => {
    const isAtEnd = await page.evaluate<boolean>(`(() => {
      const editor = document.querySelector('.ProseMirror')?.editor
      if (!editor) return false
      const { selection, doc } = editor.state
      return selection.empty && selection.from >= doc.content.size - 1
    })()`)
    if (!isAtEnd) await page.keyboard.press('Control+End')
    return isAtEnd
  }).toBe(true)
}

export function uniqueDocId(label: string): string {
  return `${label}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`
}

/**
 * Polls `read` until the matcher passes. Browser round trips on a shared 2-core machine can take
 * seconds, so the default poll timeout (1 s) is too short; real failures still fail, just later.
 */
export function eventually<T>(read: () => T | Promise<T>): ReturnType<typeof expect.poll<T | Promise<T>>> {
  return expect.poll(read, { timeout: 15_000, interval: 50 })
}

/**
 * Cuts this browser profile off from document sync — the WebSocket and the HTTP fallback
 * transports (SSE, long-poll, POST) — while the page itself still loads. `open()` lets it through.
 */
export async function gateServerSync(context: BrowserContext): Promise<{ open(): void }> {
  let isOpen = false
  await context.routeWebSocket(/\/collab\//, (socket) => {
    if (isOpen) socket.connectToServer()
  })
  await context.route(/\/collab\//, (route) => (isOpen ? route.continue() : route.abort('connectionrefused')))
  return {
    open: () => {
      isOpen = true
    },
  }
}
