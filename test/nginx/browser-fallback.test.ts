import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startApp, type RunningApp } from '../e2e/helpers/app-server.js'
import { launchChromium } from '../e2e/helpers/browser.js'
import {
  editorText,
  focusEnd,
  newWriterContext,
  openDocument,
  syncState,
  uniqueDocId,
} from '../e2e/helpers/editor-page.js'
import { startNginx, type NginxProxy } from '../helpers/nginx.js'

let app: RunningApp
let browser: Browser
let nginx: NginxProxy

beforeAll(async () => {
  ;[app, browser] = await Promise.all([startApp(), launchChromium()])
  nginx = await startNginx('no-upgrade.conf', Number(new URL(app.url).port))
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await nginx?.stop()
  await app?.close()
})

describe('the web app in Chromium when WebSockets are blocked', () => {
  // Chromium and the editor share two cores with the other suites: give the page time, not the sync.
  it('syncs over SSE + POST with a writer on WebSocket, and reports saved', { timeout: 60_000 }, async () => {
    const docId = uniqueDocId('blocked')
    const [aliceContext, bobContext] = await Promise.all([
      newWriterContext(browser, { name: 'Alice', color: '#e5484d' }),
      newWriterContext(browser, { name: 'Bob', color: '#30a46c' }),
    ])
    try {
      const aliceRequests: string[] = []
      const aliceSockets: string[] = []
      aliceContext.on('request', (request) =>
        aliceRequests.push(`${request.method()} ${new URL(request.url()).pathname}`),
      )
      aliceContext.on('page', (page) => page.on('websocket', (socket) => aliceSockets.push(socket.url())))
      // Alice is behind the proxy that strips Upgrade; Bob reaches the server directly.
      const [alice, bob] = await Promise.all([
        openDocument(aliceContext, nginx.httpUrl, docId),
        openDocument(bobContext, app.url, docId),
      ])
      await expect.poll(() => syncState(alice), { timeout: 10_000 }).toBe('saved')
      await expect.poll(() => syncState(bob), { timeout: 10_000 }).toBe('saved')
      expect(await alice.locator('.status-pill').getAttribute('data-transport')).toBe('sse')
      expect(await bob.locator('.status-pill').getAttribute('data-transport')).toBe('websocket')
      // Visible, not only in the tooltip: the writer behind the proxy sees which path carries the edits.
      expect(await alice.locator('.status-pill__via').textContent()).toBe('via SSE')
      expect(await bob.locator('.status-pill__via').count()).toBe(0)
      expect(aliceRequests).toContain(`GET /collab/${docId}/events`)
      expect(aliceSockets.length).toBeGreaterThan(0) // it tried WebSocket first

      await focusEnd(alice)
      await alice.keyboard.type('behind a proxy')
      await expect.poll(() => editorText(bob), { timeout: 10_000 }).toContain('behind a proxy')
      await focusEnd(bob)
      await bob.keyboard.type(' and back')
      await expect.poll(() => editorText(alice), { timeout: 10_000 }).toContain('behind a proxy and back')
      expect(aliceRequests.filter((r) => r === `POST /collab/${docId}/messages`).length).toBeGreaterThan(0)
      await expect.poll(() => syncState(alice), { timeout: 10_000 }).toBe('saved')
      const remembered = await alice.evaluate<string | null>(
        `sessionStorage.getItem('tandem:transport:127.0.0.1:${nginx.port}')`,
      )
      expect(remembered).toContain('"rung":"sse"')
    } finally {
      await Promise.all([aliceContext.close(), bobContext.close()])
    }
  })

  it(
    'moves back to WebSocket once the proxy allows it (probed when the browser comes online)',
    { timeout: 60_000 },
    async () => {
      const refusing = await startNginx('ws-refused.conf', Number(new URL(app.url).port))
      const docId = uniqueDocId('upgrade')
      const [aliceContext, bobContext] = await Promise.all([
        newWriterContext(browser, { name: 'Alice', color: '#e5484d' }),
        newWriterContext(browser, { name: 'Bob', color: '#30a46c' }),
      ])
      try {
        const [alice, bob] = await Promise.all([
          openDocument(aliceContext, refusing.httpUrl, docId),
          openDocument(bobContext, app.url, docId),
        ])
        const transport = () => alice.locator('.status-pill').getAttribute('data-transport')
        await expect.poll(transport, { timeout: 10_000 }).toBe('sse')
        await focusEnd(alice)
        await alice.keyboard.type('before ')
        await refusing.reload('good.conf')
        // Browsers fire `online` when the network returns; the socket probes WebSocket at once then
        // (unless a probe is under way). Old nginx workers may still answer a first probe: repeat.
        const onlineThenTransport = async () => {
          await alice.evaluate(`window.dispatchEvent(new Event('online'))`)
          return transport()
        }
        await expect.poll(onlineThenTransport, { timeout: 20_000, interval: 500 }).toBe('websocket')
        await alice.keyboard.type('after')
        await expect.poll(() => editorText(bob), { timeout: 10_000 }).toContain('before after')
        await expect.poll(() => syncState(alice), { timeout: 10_000 }).toBe('saved')
        expect(await editorText(bob)).toBe(await editorText(alice))
      } finally {
        await Promise.all([aliceContext.close(), bobContext.close()])
        await refusing.stop()
      }
    },
  )
})
