import { SignJWT } from 'jose'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer, MemoryDocStore, mintToken, type TandemServer } from '../../server/index.js'
import { launchChromium } from './helpers/browser.js'
import { eventually, uniqueDocId } from './helpers/editor-page.js'
import { serveEmbedPage, type EmbedPageServers } from './embed-helpers/serve-embed-page.js'

/**
 * An app on one origin embeds the editor against a Tandem server on another (docs/embedding.md).
 * When the server refuses it — an origin outside ALLOWED_ORIGINS, a bad or expired token, a token
 * for another document — or `serverUrl` is not a Tandem server, the status reaches `error` with a
 * message naming the cause and the editor turns read-only, on every transport; it never sits in
 * `offline` retrying. The same page on an allowed origin syncs.
 */

const SECRET = 'embedding-errors-secret-long-enough-for-hs256'

/** The fields of SyncStatus the page reports (plain data through page.evaluate). */
interface ReportedStatus {
  state: string
  transport: string | null
  unsyncedChanges: number
  hasUnsyncedChanges: boolean
  error: { closeCode: number; errorCode: string; message: string } | null
}

let browser: Browser
let tandem: TandemServer
let tandemUrl: string
let pages: EmbedPageServers
/** The page's origin the server allows, and one it does not list. */
let allowedOrigin: string
let refusedOrigin: string

beforeAll(async () => {
  pages = await serveEmbedPage(2)
  ;[allowedOrigin, refusedOrigin] = pages.origins as [string, string]
  tandem = await createServer({
    port: 0,
    store: new MemoryDocStore(),
    logLevel: 'error',
    authSecret: SECRET,
    allowedOrigins: [allowedOrigin],
  })
  ;[{ url: tandemUrl }, browser] = await Promise.all([tandem.listen(), launchChromium()])
}, 180_000)

afterAll(async () => {
  await browser?.close()
  await tandem?.close()
  await pages?.close()
})

const editToken = (doc: string) => mintToken({ secret: SECRET, doc, role: 'edit' })

/** Signed with the server's secret, expired a minute ago (mintToken takes no ttl in the past). */
function expiredToken(doc: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000)
  return new SignJWT({ doc, role: 'edit' })
    .setProtectedHeader({ alg: 'HS256' })
    .setAudience('tandem')
    .setSubject('someone')
    .setIssuedAt(now - 120)
    .setExpirationTime(now - 60)
    .sign(new TextEncoder().encode(SECRET))
}

interface Embedding {
  page: Page
  context: BrowserContext
  /** Every status onStatusChange reported so far. */
  statuses(): Promise<ReportedStatus[]>
  /** The provider's status now (counts included). */
  liveStatus(): Promise<ReportedStatus | null>
  /** The state the component shows (its root's data-sync-state). */
  state(): Promise<string | null>
}

async function embed(
  origin: string,
  query: { doc: string; token?: string; transport?: string; server?: string },
): Promise<Embedding> {
  const context = await browser.newContext()
  const page = await context.newPage()
  const params = new URLSearchParams({ server: tandemUrl, ...query })
  await page.goto(`${origin}/?${params}`)
  await page.locator('.tandem-editor .ProseMirror').waitFor()
  return {
    page,
    context,
    statuses: () => page.evaluate<ReportedStatus[]>('window.tandem.statuses()'),
    liveStatus: () => page.evaluate<ReportedStatus | null>('window.tandem.liveStatus()'),
    state: () => page.locator('.tandem-editor').getAttribute('data-sync-state'),
  }
}

/** Waits for `error` and returns the status it was reported with. */
async function reportedError(embedding: Embedding): Promise<ReportedStatus> {
  await eventually(() => embedding.state()).toBe('error')
  const statuses = await embedding.statuses()
  return statuses[statuses.length - 1]!
}

/** What every refusal must look like to the writer and to the app. */
async function expectShownRefusal(embedding: Embedding, message: RegExp): Promise<ReportedStatus> {
  const status = await reportedError(embedding)
  expect(status.error?.message).toMatch(message)
  await expect.poll(() => embedding.page.getByRole('alert').textContent()).toMatch(message)
  expect(await embedding.page.locator('.ProseMirror').getAttribute('contenteditable')).toBe('false')
  const states = (await embedding.statuses()).map((each) => each.state)
  expect(states).not.toContain('offline')
  return status
}

describe('errors an embedding app can show, in Chromium', { timeout: 90_000 }, () => {
  it.each(['auto', 'websocket', 'sse', 'long-poll'])(
    'a page origin outside ALLOWED_ORIGINS gets error naming the origin and ALLOWED_ORIGINS (transport %s)',
    async (transport) => {
      const doc = uniqueDocId('refused-origin')
      const embedding = await embed(refusedOrigin, { doc, token: await editToken(doc), transport })
      try {
        const status = await expectShownRefusal(
          embedding,
          new RegExp(`does not accept this page's origin \\(${refusedOrigin}\\)\\. Add it to ALLOWED_ORIGINS`),
        )
        expect(status.error).toMatchObject({ closeCode: 4403, errorCode: 'forbidden-origin' })
        // Never connected: no transport to report.
        expect((await embedding.statuses()).every((each) => each.transport === null)).toBe(true)
      } finally {
        await embedding.context.close()
      }
    },
  )

  it('the same page on an allowed origin syncs, and onStatusChange fires on changes of state, not per keystroke', async () => {
    const doc = uniqueDocId('allowed-origin')
    const embedding = await embed(allowedOrigin, { doc, token: await editToken(doc) })
    try {
      await eventually(() => embedding.state()).toBe('saved')
      await embedding.page.locator('.ProseMirror').click()
      await embedding.page.keyboard.type('hello')
      await eventually(() => serverText(doc)).toBe('hello')
      await eventually(() => embedding.state()).toBe('saved')
      const online = await embedding.statuses()
      expect(online[0]).toMatchObject({ state: 'connecting', transport: null })
      expect(online.at(-1)).toMatchObject({ state: 'saved', transport: 'websocket' })

      await embedding.context.setOffline(true)
      await eventually(() => embedding.state()).toBe('offline')
      const before = (await embedding.statuses()).length
      await embedding.page.keyboard.type(' offline edits')
      await eventually(async () => (await embedding.liveStatus())?.unsyncedChanges).toBeGreaterThanOrEqual(14)
      const offline = (await embedding.statuses()).slice(before)
      // One report for the first kept change (hasUnsyncedChanges), none for the thirteen after it.
      expect(offline.map((each) => [each.state, each.hasUnsyncedChanges])).toEqual([['offline', true]])

      await embedding.context.setOffline(false)
      await eventually(() => serverText(doc)).toBe('hello offline edits')
      await eventually(() => embedding.state()).toBe('saved')
    } finally {
      await embedding.context.close()
    }
  })

  it('an expired token gets error saying the access expired', async () => {
    const doc = uniqueDocId('expired-token')
    const embedding = await embed(allowedOrigin, { doc, token: await expiredToken(doc) })
    try {
      const status = await expectShownRefusal(embedding, /^Your access has expired\./)
      expect(status.error).toMatchObject({ closeCode: 4401, errorCode: 'token-expired' })
    } finally {
      await embedding.context.close()
    }
  })

  it.each(['auto', 'sse'])('a token for another document gets error saying so (transport %s)', async (transport) => {
    const doc = uniqueDocId('other-doc-token')
    const embedding = await embed(allowedOrigin, { doc, token: await editToken('some-other-doc'), transport })
    try {
      const status = await expectShownRefusal(embedding, /^Your access token does not cover this document\./)
      expect(status.error).toMatchObject({ closeCode: 4403, errorCode: 'forbidden' })
    } finally {
      await embedding.context.close()
    }
  })

  it('a page that gives no token to a server that needs one gets error saying a token is needed', async () => {
    const embedding = await embed(allowedOrigin, { doc: uniqueDocId('no-token') })
    try {
      const status = await expectShownRefusal(embedding, /needs an access token .* none was given/)
      expect(status.error?.errorCode).toBe('unauthorized')
    } finally {
      await embedding.context.close()
    }
  })

  it('a serverUrl that is not a Tandem server gets error saying to check serverUrl', async () => {
    // The app's own static host: it answers the sync endpoints 404.
    const embedding = await embed(allowedOrigin, { doc: uniqueDocId('wrong-url'), server: allowedOrigin })
    try {
      const status = await expectShownRefusal(
        embedding,
        new RegExp(`^Check serverUrl: ${allowedOrigin} did not answer as a Tandem sync server`),
      )
      expect(status.error).toMatchObject({ closeCode: 4426, errorCode: 'not-tandem-server' })
    } finally {
      await embedding.context.close()
    }
  })
})

async function serverText(docId: string): Promise<string> {
  const response = await fetch(`${tandemUrl}/api/docs/${docId}/content?format=text`, {
    headers: { Authorization: `Bearer ${await editToken(docId)}` },
  })
  return response.ok ? (await response.text()).trim() : ''
}
