import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer, MemoryDocStore, type TandemServer } from '../../server/index.js'
import { launchChromium } from './helpers/browser.js'
import { commentOn, commentsLandmark } from './helpers/comments-page.js'
import { editorText, eventually, focusEnd, uniqueDocId } from './helpers/editor-page.js'
import { serveEmbedPage, type EmbedPageServers } from './embed-helpers/serve-embed-page.js'

/**
 * The component embedded in an app on another origin (docs/embedding.md): comments are on by default
 * (threads asked for, the "Comments" landmark, a Comment button, REST writes across origins), and
 * `comments={false}` leaves no trace of them: no landmark, no button, no `?threads=1`.
 */

let browser: Browser
let tandem: TandemServer
let tandemUrl: string
let pages: EmbedPageServers
let origin: string

beforeAll(async () => {
  pages = await serveEmbedPage(1)
  origin = pages.origins[0] as string
  tandem = await createServer({ port: 0, store: new MemoryDocStore(), logLevel: 'error', allowedOrigins: [origin] })
  ;[{ url: tandemUrl }, browser] = await Promise.all([tandem.listen(), launchChromium()])
}, 180_000)

afterAll(async () => {
  await browser?.close()
  await tandem?.close()
  await pages?.close()
})

/** Opens the embedding page on `docId`, recording the URLs of the sockets it opens. */
async function embed(docId: string, query = ''): Promise<{ page: Page; sockets: string[]; close(): Promise<void> }> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 } })
  const page = await context.newPage()
  const sockets: string[] = []
  page.on('websocket', (socket) => sockets.push(socket.url()))
  await page.goto(`${origin}/?server=${encodeURIComponent(tandemUrl)}&doc=${docId}${query}`)
  await page.locator('.ProseMirror[contenteditable="true"]').waitFor()
  return { page, sockets, close: () => context.close() }
}

describe('modes in the embedded component', { timeout: 120_000 }, () => {
  it('mode="suggesting" opens Suggesting: typing makes a suggestion, and onModeChange hears the menu', async () => {
    const docId = uniqueDocId('embed-mode')
    await tandem.documents.create({ docId, content: { source: 'Embedded words.', format: 'markdown' } })
    const { page, close } = await embed(docId, '&mode=suggesting')
    try {
      await eventually(() => editorText(page)).toBe('Embedded words.')
      await page.getByRole('button', { name: 'Mode: Suggesting' }).waitFor()
      await focusEnd(page)
      await page.keyboard.type(' More')
      await eventually(() =>
        page.evaluate<string[]>("[...document.querySelectorAll('.ProseMirror ins')].map((ins) => ins.textContent)"),
      ).toEqual([' More'])
      await commentsLandmark(page).locator('article.tandem-suggestion', { hasText: 'Add:' }).waitFor()

      await page.getByRole('button', { name: 'Mode: Suggesting' }).click()
      await page.getByRole('menuitemradio', { name: 'Viewing', exact: true }).click()
      await page.locator('.ProseMirror[contenteditable="false"]').waitFor()
      expect(await page.evaluate<string[]>('window.tandem.modes()')).toEqual(['viewing'])
    } finally {
      await close()
    }
  })

  it('role="comment" never offers Editing, even when mode="editing" is asked for', async () => {
    const docId = uniqueDocId('embed-mode-comment')
    await tandem.documents.create({ docId, content: { source: 'Embedded words.', format: 'markdown' } })
    const { page, close } = await embed(docId, '&mode=editing&role=comment')
    try {
      await page.getByRole('button', { name: 'Mode: Suggesting' }).click()
      const offered = await page.getByRole('menuitemradio').allTextContents()
      expect(offered.join(' ')).not.toContain('Editing')
    } finally {
      await close()
    }
  })
})

describe('comments in the embedded component', { timeout: 120_000 }, () => {
  it('are on by default: threads are asked for and a comment posts across origins', async () => {
    const docId = uniqueDocId('embed-comments')
    await tandem.documents.create({ docId, content: { source: 'Embedded words here.', format: 'markdown' } })
    const { page, sockets, close } = await embed(docId)
    try {
      await eventually(() => editorText(page)).toBe('Embedded words here.')
      await commentsLandmark(page).waitFor()
      expect(sockets.some((url) => url.includes('/collab/') && url.includes('threads=1'))).toBe(true)
      await commentOn(page, 'words', 'From the embedding app')
      await commentsLandmark(page).locator('.tandem-comment__body', { hasText: 'From the embedding app' }).waitFor()
      const { threads } = (await (await fetch(`${tandemUrl}/api/docs/${docId}/threads`)).json()) as {
        threads: { quote: string }[]
      }
      expect(threads.map((thread) => thread.quote)).toEqual(['words'])
    } finally {
      await close()
    }
  })

  it('comments={false}: no landmark, no Comment button, no ?threads=1', async () => {
    const docId = uniqueDocId('embed-no-comments')
    await tandem.documents.create({ docId, content: { source: 'Quiet words.', format: 'markdown' } })
    const { page, sockets, close } = await embed(docId, '&comments=0')
    try {
      await eventually(() => editorText(page)).toBe('Quiet words.')
      await eventually(() => sockets.some((url) => url.includes('/collab/'))).toBe(true)
      expect(sockets.filter((url) => url.includes('threads=1'))).toEqual([])
      expect(await commentsLandmark(page).count()).toBe(0)
      expect(await page.getByRole('button', { name: 'Comment', exact: true }).count()).toBe(0)
      expect(await page.locator('.tandem-comment-highlight').count()).toBe(0)
    } finally {
      await close()
    }
  })
})
