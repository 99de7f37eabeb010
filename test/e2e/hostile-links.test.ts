import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GOOD_URLS, HOSTILE_URLS } from '../fixtures/hostile-urls.js'
import { rawClient, readAck, updateFrame } from '../helpers/clients.js'
import { png } from '../fixtures/images.js'
import { craftedUpdate, imageElement, linkParagraph } from '../helpers/crafted-content.js'
import { waitFor } from '../helpers/wait-for.js'
import { startApp, type RunningApp } from './helpers/app-server.js'
import { launchChromium } from './helpers/browser.js'
import { editorText, eventually, focusEnd, openDocument, uniqueDocId } from './helpers/editor-page.js'

let app: RunningApp
let browser: Browser

beforeAll(async () => {
  ;[app, browser] = await Promise.all([startApp(), launchChromium()])
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await app?.close()
})

interface RenderedLink {
  text: string
  /** The attribute as rendered. */
  attribute: string | null
  /** What the browser resolves it to: what a click, a middle-click or "copy link" would use. */
  protocol: string
  host: string
}

/** Every <a> in the editable area (run in the page, as a string: the tests' TypeScript has no DOM types). */
function renderedLinks(page: Page): Promise<RenderedLink[]> {
  return page.evaluate<RenderedLink[]>(`Array.from(document.querySelectorAll('.ProseMirror a')).map((a) => {
    const url = new URL(a.href)
    return { text: a.textContent, attribute: a.getAttribute('href'), protocol: url.protocol, host: url.host }
  })`)
}

function expectHarmless(links: RenderedLink[], pageHost: string) {
  for (const link of links) {
    expect(['http:', 'https:', 'mailto:'], JSON.stringify(link)).toContain(link.protocol)
    // Without a scheme of its own, a link stays on this server.
    if (!/^\s*(https?|mailto):/i.test(link.attribute ?? '')) expect(link.host, JSON.stringify(link)).toBe(pageHost)
  }
}

/** Sends a crafted update as a raw client would and waits for the server to acknowledge it. */
async function sendCrafted(docId: string, update: Uint8Array): Promise<void> {
  const client = await rawClient(`${app.url.replace(/^http/, 'ws')}/collab/${docId}?acks=1`)
  client.send(updateFrame(update))
  await waitFor(() => client.frames.some((frame) => readAck(frame) !== null) || client.ws.readyState !== 1, {
    description: 'update acknowledged',
  })
  client.ws.close()
}

describe('hostile links in the editor', { timeout: 120_000 }, () => {
  it('renders no executable href for links a crafted update stored, and good links as they are', async () => {
    const docId = uniqueDocId('hostile-links')
    const update = craftedUpdate((fragment) =>
      fragment.insert(0, [
        ...HOSTILE_URLS.map((url, i) => linkParagraph(`bad${i}`, { href: url })),
        ...GOOD_URLS.map((url, i) => linkParagraph(`good${i}`, { href: url })),
      ]),
    )
    await sendCrafted(docId, update)
    const context = await browser.newContext()
    const dialogs: string[] = []
    try {
      const page = await openDocument(context, app.url, docId)
      page.on('dialog', (dialog) => {
        dialogs.push(dialog.message())
        void dialog.dismiss()
      })
      await eventually(() => editorText(page)).toContain(`good${GOOD_URLS.length - 1}`)
      const links = await renderedLinks(page)
      expectHarmless(links, new URL(app.url).host)
      // Every good link renders with its href exactly as stored.
      for (const [i, url] of GOOD_URLS.entries()) {
        expect(links.find((link) => link.text === `good${i}`)?.attribute).toBe(url)
      }
      // Each hostile one renders with no href to follow (or none at all).
      for (const link of links.filter((l) => l.text.startsWith('bad'))) expect(link.attribute ?? '').toBe('')
      // Clicking a neutralised link runs nothing.
      await page.locator('.ProseMirror a', { hasText: 'bad0' }).click({ modifiers: ['Control'] })
      expect(dialogs).toEqual([])
    } finally {
      await context.close()
    }
  })

  it('loads no image from a hostile src a crafted update stored, and shows an uploaded (relative) one', async () => {
    const docId = uniqueDocId('hostile-images')
    const upload = await fetch(`${app.url}/api/docs/${docId}/files`, {
      method: 'POST',
      headers: { 'content-type': 'image/png' },
      body: png(40, 20, 8),
    })
    expect(upload.status).toBe(201)
    const { url } = (await upload.json()) as { url: string }
    await sendCrafted(
      docId,
      craftedUpdate((fragment) =>
        fragment.insert(0, [
          ...HOSTILE_URLS.map((src, i) => imageElement({ src, alt: `bad${i}` })),
          imageElement({ src: url, alt: 'good image' }),
          linkParagraph('the end', { href: 'https://example.com/' }),
        ]),
      ),
    )
    const context = await browser.newContext()
    const requested: string[] = []
    const dialogs: string[] = []
    try {
      const page = await context.newPage()
      page.on('request', (request) => requested.push(request.url()))
      page.on('dialog', (dialog) => {
        dialogs.push(dialog.message())
        void dialog.dismiss()
      })
      await page.goto(`${app.url}/d/${docId}`)
      await page.locator('.ProseMirror').waitFor()
      await eventually(() => editorText(page)).toContain('the end')
      // The one allowed image loads; every refused one is a note in its place, loading nothing.
      await eventually(() =>
        page.evaluate<number[]>(
          `[...document.querySelectorAll('.ProseMirror img')].map((img) => img.complete ? img.naturalWidth : 0)`,
        ),
      ).toEqual([40])
      expect(await page.locator('.ProseMirror img').getAttribute('alt')).toBe('good image')
      expect(await page.locator('.ProseMirror [data-refused="true"]').count()).toBe(HOSTILE_URLS.length)
      const sources = await page.evaluate<string[]>(
        `[...document.querySelectorAll('.ProseMirror [src], .ProseMirror [srcset]')].map((el) => el.getAttribute('src') ?? el.getAttribute('srcset'))`,
      )
      expect(sources).toEqual([`${app.url}${url}`])
      // Nothing was fetched from anywhere but this server, and nothing ran.
      const host = new URL(app.url).host
      expect(requested.filter((address) => new URL(address).host !== host)).toEqual([])
      expect(dialogs).toEqual([])
    } finally {
      await context.close()
    }
  })

  it('pasted HTML keeps a good link and loses the hostile ones', async () => {
    const context = await browser.newContext()
    try {
      const page = await openDocument(context, app.url, uniqueDocId('hostile-paste'))
      await focusEnd(page)
      const html = [
        ...HOSTILE_URLS.slice(0, 30).map(
          (url, i) => `<a href="${url.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}">bad${i}</a> `,
        ),
        '<a href="https://example.com/ok">good</a> <a href="/d/other">here</a>',
      ].join('')
      await page.evaluate(`(() => {
        const data = new DataTransfer()
        data.setData('text/html', ${JSON.stringify(`<p>${html}</p>`)})
        data.setData('text/plain', 'pasted')
        document.querySelector('.ProseMirror').dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }))
      })()`)
      await eventually(() => editorText(page)).toContain('good')
      const links = await renderedLinks(page)
      expect(links.map((link) => [link.text, link.attribute])).toEqual([
        ['good', 'https://example.com/ok'],
        ['here', '/d/other'],
      ])
    } finally {
      await context.close()
    }
  })

  it('the link editor refuses a javascript: address and accepts an https one', async () => {
    const context = await browser.newContext()
    try {
      const page = await openDocument(context, app.url, uniqueDocId('hostile-link-editor'))
      await focusEnd(page)
      await page.keyboard.type('click me')
      await page.keyboard.press('Shift+Home')
      const linkButton = page.getByRole('toolbar', { name: 'Formatting' }).getByRole('button', { name: 'Link' })
      await linkButton.click()
      await page.getByRole('textbox', { name: 'Link address' }).fill('JaVaScRiPt:alert(document.domain)')
      await page.keyboard.press('Enter')
      expect(await renderedLinks(page)).toEqual([])
      await page.keyboard.press('Shift+Home')
      await linkButton.click()
      await page.getByRole('textbox', { name: 'Link address' }).fill('https://example.com/')
      await page.keyboard.press('Enter')
      await eventually(async () => (await renderedLinks(page)).map((link) => link.attribute)).toEqual([
        'https://example.com/',
      ])
    } finally {
      await context.close()
    }
  })
})
