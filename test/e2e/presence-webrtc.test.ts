import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mintToken } from '../../server/auth/tokens.js'
import { startServer, type RunningServer } from '../helpers/test-server.js'
import { waitFor } from '../helpers/wait-for.js'
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './helpers/browser.js'
import { removeWebRtc, servePresencePage, type PresencePageServer } from './presence-helpers/serve-page.js'

/**
 * WebRTC between pages of one offline machine: Chromium gathers no ICE candidate without loopback
 * allowed and media permission (docs/operations.md; real users need neither).
 */
const WEBRTC_ARGS = [...CHROMIUM_ARGS, '--allow-loopback-in-peer-connection', '--use-fake-ui-for-media-stream']

interface PeerView {
  name: string
  cursor: number | null
}

interface PresenceStats {
  directSends: number
  relayedSends: number
  directReceives: number
  relayedReceives: number
}

describe('presence over WebRTC with the server relay as fallback (Chromium)', () => {
  let running: RunningServer
  let browser: Browser
  let pageServer: PresencePageServer | undefined
  let pageUrl: string
  const contexts: BrowserContext[] = []

  beforeAll(async () => {
    pageServer = await servePresencePage(['index.html', 'stock.html'])
    pageUrl = pageServer.url
    running = await startServer()
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: WEBRTC_ARGS })
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await running?.close()
    await pageServer?.close()
  })

  /** One browser context per user: pages of one context would share BroadcastChannel, not WebRTC. */
  async function openPage(
    doc: string,
    name: string,
    options: {
      presence?: string
      withoutWebRtc?: boolean
      server?: RunningServer
      token?: string
      meshPeerLimit?: number
    } = {},
  ) {
    const context = await browser.newContext()
    contexts.push(context)
    if (options.withoutWebRtc) {
      await context.addInitScript(removeWebRtc)
    }
    const page = await context.newPage()
    const query = new URLSearchParams({
      doc,
      name,
      server: (options.server ?? running).httpUrl,
      presence: options.presence ?? 'auto',
      ...(options.token && { token: options.token }),
      ...(options.meshPeerLimit !== undefined && { meshPeerLimit: String(options.meshPeerLimit) }),
    })
    await page.goto(`${pageUrl}?${query}`)
    await page.waitForFunction(() => 'tandem' in globalThis)
    return { page, context }
  }

  const peers = (page: Page) => page.evaluate(() => (globalThis as unknown as TestWindow).tandem.peers())
  const directPeers = (page: Page) => page.evaluate(() => (globalThis as unknown as TestWindow).tandem.directPeers())
  const knownPeers = (page: Page) => page.evaluate(() => (globalThis as unknown as TestWindow).tandem.knownPeers())
  const isMeshing = (page: Page) => page.evaluate(() => (globalThis as unknown as TestWindow).tandem.isMeshing())
  const stats = (page: Page) => page.evaluate(() => (globalThis as unknown as TestWindow).tandem.stats())
  const move = (page: Page, position: number) =>
    page.evaluate((at) => (globalThis as unknown as TestWindow).tandem.move(at), position)
  const names = async (page: Page) => (await peers(page)).map((peer) => peer.name)
  const cursorOf = async (page: Page, name: string) => (await peers(page)).find((p) => p.name === name)?.cursor

  async function metric(name: string, labels: string): Promise<number> {
    const text = await running.server.metrics.registry.metrics()
    const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`))
    return line ? Number(line.split(' ').pop()) : 0
  }
  const relayedOut = () => metric('tandem_signalling_messages_total', 'direction="out",type="awareness"')
  const syncBytesIn = () => metric('tandem_bytes_in_total', 'transport="websocket"')

  /** Moves `mover`'s cursor 20 times, each time waiting until `watcher` shows it. */
  async function scriptedMoves(mover: Page, watcher: Page, moverName: string): Promise<void> {
    for (let position = 1; position <= 20; position++) {
      await move(mover, position)
      await waitFor(async () => (await cursorOf(watcher, moverName)) === position, {
        description: `${moverName}'s cursor at ${position}`,
      })
    }
  }

  it('R-PRESENCE: two pages exchange presence over a data channel and the server carries none of it', async () => {
    const alice = await openPage('p2p-pair', 'Alice')
    const bob = await openPage('p2p-pair', 'Bob')
    await waitFor(async () => (await directPeers(alice.page)) === 1 && (await directPeers(bob.page)) === 1, {
      description: 'a data channel between Alice and Bob',
      timeoutMs: 20_000,
    })
    await waitFor(async () => (await names(bob.page)).join() === 'Alice' && (await names(alice.page)).join() === 'Bob')

    const relayedBefore = await relayedOut()
    const syncBefore = await syncBytesIn()
    await scriptedMoves(alice.page, bob.page, 'Alice')
    const hybridSyncBytes = (await syncBytesIn()) - syncBefore
    expect(await relayedOut()).toBe(relayedBefore)
    expect((await stats(bob.page)).directReceives).toBeGreaterThanOrEqual(20)

    // The same movement with presence on the sync socket, as plain y-websocket clients do.
    const serverAlice = await openPage('server-pair', 'Alice', { presence: 'server' })
    const serverBob = await openPage('server-pair', 'Bob', { presence: 'server' })
    await waitFor(async () => (await names(serverBob.page)).join() === 'Alice')
    const serverBefore = await syncBytesIn()
    await scriptedMoves(serverAlice.page, serverBob.page, 'Alice')
    const serverSyncBytes = (await syncBytesIn()) - serverBefore
    // Keepalives may ride the sync socket; presence must not (the issue asks for at least 80 % less).
    expect(serverSyncBytes).toBeGreaterThan(20 * 20)
    expect(hybridSyncBytes).toBeLessThanOrEqual(serverSyncBytes * 0.2)
    console.info(`server presence bytes for 20 moves: webrtc ${hybridSyncBytes}, server ${serverSyncBytes}`)
    for (const { context } of [alice, bob, serverAlice, serverBob]) await context.close()
  })

  it('with signed tokens, a name claimed over a data channel is replaced by the one the server stamped', async () => {
    const secret = 'presence-test-secret-long-enough-for-hs256'
    const guarded = await startServer({ authSecret: secret })
    try {
      const token = (name: string) => mintToken({ secret, doc: 'guarded', role: 'edit', name })
      const alice = await openPage('guarded', 'Alice', { server: guarded, token: await token('Alice') })
      // Mallory's page calls itself Alice; her token says Mallory.
      const mallory = await openPage('guarded', 'Alice', { server: guarded, token: await token('Mallory') })
      await waitFor(async () => (await directPeers(alice.page)) === 1, {
        description: 'a data channel',
        timeoutMs: 20_000,
      })
      await move(mallory.page, 5)
      await waitFor(async () => (await cursorOf(alice.page, 'Mallory')) === 5, { description: 'Mallory moved' })
      expect((await stats(alice.page)).directReceives).toBeGreaterThan(0)
      expect(await names(alice.page)).toEqual(['Mallory'])
      for (const { context } of [alice, mallory]) await context.close()
    } finally {
      await guarded.close()
    }
  })

  it('a room beyond its mesh limit closes every data channel and carets go through the server; back under it the mesh reopens', async () => {
    const doc = 'mesh-limit'
    // A limit of 3: four peers relay, three stay as they are (the band), two mesh again.
    const open = (name: string) => openPage(doc, name, { meshPeerLimit: 3 })
    const ann = await open('Ann')
    const ben = await open('Ben')
    const cy = await open('Cy')
    const trio = [ann, ben, cy]
    await waitFor(async () => (await Promise.all(trio.map(({ page }) => directPeers(page)))).every((n) => n === 2), {
      description: 'a mesh of three',
      timeoutMs: 30_000,
    })
    /** Where each page's caret is (null: not placed yet). */
    const at: Record<string, number | null> = { Ann: 11, Ben: 12, Cy: 13 }
    for (const [index, { page }] of trio.entries()) await move(page, 11 + index)
    /** Every page shows every other page of `everyone` at its position in `at`. */
    const allSeen = async (everyone: { name: string; page: Page }[]) => {
      for (const viewer of everyone) {
        const views = await peers(viewer.page)
        const expected = everyone
          .filter((other) => other !== viewer)
          .map((other) => ({ name: other.name, cursor: at[other.name] ?? null }))
        if (JSON.stringify(views) !== JSON.stringify(expected)) return false
      }
      return true
    }
    const named = (entries: [string, { page: Page }][]) => entries.map(([name, { page }]) => ({ name, page }))
    const three = named([
      ['Ann', ann],
      ['Ben', ben],
      ['Cy', cy],
    ])
    await waitFor(() => allSeen(three), { description: 'three carets over the mesh' })

    // A fourth peer: beyond the limit, every channel closes; no caret is lost on the way.
    const di = await open('Di')
    const four = [...three, { name: 'Di', page: di.page }]
    at.Di = null
    await waitFor(
      async () => {
        for (const { page } of four) if ((await directPeers(page)) !== 0 || (await isMeshing(page))) return false
        return true
      },
      { description: 'no data channel open beyond the limit', timeoutMs: 20_000 },
    )
    await move(di.page, 14)
    at.Di = 14
    await waitFor(() => allSeen(four), { description: 'four carets through the server' })
    const relayedBefore = await relayedOut()
    for (const [index, { name, page }] of four.entries()) {
      at[name] = 20 + index
      await move(page, 20 + index)
    }
    await waitFor(() => allSeen(four), { description: 'every move seen by every page' })
    // The sync socket carried them (coalesced by the server), not the signalling relay.
    expect(await relayedOut()).toBe(relayedBefore)

    // Di leaves: three peers are in the band, so the room stays on the server (no flapping).
    await di.context.close()
    await waitFor(() => allSeen(three), { description: 'Di gone' })
    await waitFor(async () => (await Promise.all(trio.map(({ page }) => knownPeers(page)))).every((n) => n === 2), {
      description: 'signalling told everyone Di left',
    })
    for (const { page } of trio) {
      expect(await isMeshing(page)).toBe(false)
      expect(await directPeers(page)).toBe(0)
    }

    // Cy leaves: two peers, the mesh reopens and carets keep arriving, now over the channel.
    await cy.context.close()
    const two = three.slice(0, 2)
    await waitFor(async () => (await directPeers(ann.page)) === 1 && (await directPeers(ben.page)) === 1, {
      description: 'the mesh reopened',
      timeoutMs: 30_000,
    })
    await waitFor(() => allSeen(two), { description: 'Ann and Ben still see each other, Cy gone' })
    const directBefore = (await stats(ben.page)).directReceives
    at.Ann = 31
    await move(ann.page, 31)
    at.Ben = 32
    await move(ben.page, 32)
    await waitFor(() => allSeen(two), { description: 'moves after the mesh reopened' })
    expect((await stats(ben.page)).directReceives).toBeGreaterThan(directBefore)
    for (const { context } of [ann, ben]) await context.close()
  })

  it("presence 'off' neither shows the others nor is shown", async () => {
    const alice = await openPage('quiet', 'Alice')
    const eve = await openPage('quiet', 'Eve', { presence: 'off' })
    const frank = await openPage('quiet', 'Frank')
    // Frank, who came after Eve, is visible: everything Eve could have sent has had its chance.
    await waitFor(
      async () => (await names(alice.page)).join() === 'Frank' && (await names(frank.page)).join() === 'Alice',
    )
    await move(alice.page, 3)
    await waitFor(async () => (await cursorOf(frank.page, 'Alice')) === 3)
    expect(await names(eve.page)).toEqual([])
    expect(await names(alice.page)).toEqual(['Frank'])
    for (const { context } of [alice, eve, frank]) await context.close()
  })

  it('two stock y-webrtc providers find each other through /signal and connect', async () => {
    const pages: Page[] = []
    for (const name of ['Stock-1', 'Stock-2']) {
      const context = await browser.newContext()
      contexts.push(context)
      const page = await context.newPage()
      const query = new URLSearchParams({ doc: 'stock-doc', name, server: running.httpUrl })
      await page.goto(`${pageUrl}stock.html?${query}`)
      await page.waitForFunction(() => 'stock' in globalThis)
      pages.push(page)
    }
    const stock = (page: Page) =>
      page.evaluate(() => {
        const api = (globalThis as unknown as StockWindow).stock
        return { names: api.names().join(), connected: api.connectedPeers() }
      })
    await waitFor(
      async () => {
        const [first, second] = [await stock(pages[0]!), await stock(pages[1]!)]
        return (
          first.connected === 1 && second.connected === 1 && first.names === 'Stock-2' && second.names === 'Stock-1'
        )
      },
      { description: 'stock providers connected and seeing each other', timeoutMs: 20_000 },
    )
    for (const page of pages) await page.context().close()
  })

  it('R-PRESENCE: a page without WebRTC sees and is seen through the relay, a sync-socket-only page through the sync socket; leaving pages disappear at once', async () => {
    const alice = await openPage('mixed', 'Alice')
    const bob = await openPage('mixed', 'Bob')
    const carol = await openPage('mixed', 'Carol', { withoutWebRtc: true })
    // Presence on the sync socket only, as a stock y-websocket client has it.
    const dave = await openPage('mixed', 'Dave', { presence: 'server' })
    await waitFor(async () => (await directPeers(alice.page)) === 1 && (await directPeers(bob.page)) === 1, {
      description: 'a data channel between Alice and Bob',
      timeoutMs: 20_000,
    })
    for (const [page, others] of [
      [alice.page, 'Bob,Carol,Dave'],
      [bob.page, 'Alice,Carol,Dave'],
      [carol.page, 'Alice,Bob,Dave'],
      [dave.page, 'Alice,Bob,Carol'],
    ] as const) {
      await waitFor(async () => (await names(page)).join() === others, { description: `${others} visible` })
    }
    expect(await directPeers(carol.page)).toBe(0)

    const relayedBefore = await relayedOut()
    await move(alice.page, 42)
    await waitFor(async () => (await cursorOf(carol.page, 'Alice')) === 42, { description: 'Alice seen by Carol' })
    await waitFor(async () => (await cursorOf(bob.page, 'Alice')) === 42, { description: 'Alice seen by Bob' })
    await move(carol.page, 7)
    await waitFor(async () => (await cursorOf(alice.page, 'Carol')) === 7, { description: 'Carol seen by Alice' })
    await waitFor(async () => (await cursorOf(bob.page, 'Carol')) === 7, { description: 'Carol seen by Bob' })
    await waitFor(async () => (await cursorOf(dave.page, 'Carol')) === 7, { description: 'Carol seen by Dave' })
    // Alice's move was relayed to Carol only (one message), Carol's to Alice and Bob (two).
    expect((await relayedOut()) - relayedBefore).toBe(3)
    expect((await stats(carol.page)).relayedReceives).toBeGreaterThan(0)

    const closedAt = Date.now()
    await bob.context.close()
    await waitFor(
      async () =>
        (await names(alice.page)).join() === 'Carol,Dave' &&
        (await names(carol.page)).join() === 'Alice,Dave' &&
        (await names(dave.page)).join() === 'Alice,Carol',
      { description: 'Bob gone for Alice (direct), Carol (relay) and Dave (sync socket)', timeoutMs: 2_000 },
    )
    await carol.context.close()
    await waitFor(
      async () => (await names(alice.page)).join() === 'Dave' && (await names(dave.page)).join() === 'Alice',
      { description: 'Carol gone for Alice and Dave', timeoutMs: 2_000 },
    )
    console.info(`leaving peers disappeared within ${Date.now() - closedAt} ms (two departures)`)
    await alice.context.close()
    await dave.context.close()
  })
})

interface StockWindow {
  stock: { names(): string[]; connectedPeers(): number }
}

interface TestWindow {
  tandem: {
    peers(): PeerView[]
    move(position: number): void
    directPeers(): number
    knownPeers(): number
    isMeshing(): boolean
    stats(): PresenceStats
  }
}
