import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as Y from 'yjs'
import { mintToken } from '../../server/auth/tokens.js'
import type { Role } from '../../shared/roles.js'
import type { PubSub } from '../../server/pubsub/pubsub.js'
import { startServer, type RunningServer } from '../helpers/test-server.js'
import { waitFor } from '../helpers/wait-for.js'

const SECRET = 'test-secret-that-is-long-enough-for-hs256!'

/** A plain WebSocket speaking y-webrtc's signalling JSON, recording what it receives. */
interface SignalClient {
  ws: WebSocket
  /** Every parsed message except the `tandem-config` greeting. */
  messages: Record<string, unknown>[]
  config: Record<string, unknown> | null
  closed: Promise<{ code: number; reason: string }>
  send(message: unknown): void
}

async function signalClient(running: RunningServer, query = ''): Promise<SignalClient> {
  const ws = new WebSocket(`ws://127.0.0.1:${running.port}/signal${query}`)
  const client: SignalClient = {
    ws,
    messages: [],
    config: null,
    closed: new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }))),
    send: (message) => ws.send(typeof message === 'string' ? message : JSON.stringify(message)),
  }
  ws.on('message', (data: Buffer) => {
    const message = JSON.parse(data.toString()) as Record<string, unknown>
    if (message.type === 'tandem-config') client.config = message
    else client.messages.push(message)
  })
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  return client
}

/** Subscribes and waits until the server has processed it (a ping behind it is answered in order). */
async function subscribe(client: SignalClient, ...topics: string[]): Promise<void> {
  const pongs = client.messages.filter((m) => m.type === 'pong').length
  client.send({ type: 'subscribe', topics })
  client.send({ type: 'ping' })
  await waitFor(() => client.messages.filter((m) => m.type === 'pong').length > pongs, { description: 'pong' })
}

/** Waits until everything `client` sent so far was handled. */
async function settle(client: SignalClient): Promise<void> {
  const pongs = client.messages.filter((m) => m.type === 'pong').length
  client.send({ type: 'ping' })
  await waitFor(() => client.messages.filter((m) => m.type === 'pong').length > pongs, { description: 'pong' })
}

const published = (client: SignalClient) =>
  client.messages.filter((m) => m.type === 'publish').map((m) => m.data as Record<string, unknown>)

async function metric(running: RunningServer, name: string, labels: string): Promise<number> {
  const text = await running.server.metrics.registry.metrics()
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`) || l.startsWith(`${name} `))
  return line ? Number(line.split(' ').pop()) : 0
}

function awarenessUpdateBase64(clientId: number, state: Record<string, unknown>): string {
  const doc = new Y.Doc()
  doc.clientID = clientId
  const awareness = new awarenessProtocol.Awareness(doc)
  awareness.setLocalState(state)
  const update = awarenessProtocol.encodeAwarenessUpdate(awareness, [clientId])
  awareness.destroy()
  return Buffer.from(update).toString('base64')
}

function decodeAwareness(base64: string): Map<number, Record<string, unknown>> {
  const awareness = new awarenessProtocol.Awareness(new Y.Doc())
  awarenessProtocol.applyAwarenessUpdate(awareness, new Uint8Array(Buffer.from(base64, 'base64')), 'test')
  const states = new Map(awareness.getStates())
  awareness.destroy()
  return states as Map<number, Record<string, unknown>>
}

describe('/signal without AUTH_SECRET: y-webrtc signalling semantics', () => {
  let running: RunningServer
  const clients: SignalClient[] = []
  const open = async (query = '') => {
    const client = await signalClient(running, query)
    clients.push(client)
    return client
  }
  afterEach(async () => {
    for (const client of clients.splice(0)) client.ws.terminate()
    await running.close()
  })

  it('greets with the ICE servers and the peer-to-peer switch', async () => {
    running = await startServer({ signalling: { iceServers: [{ urls: 'stun:stun.example.org:3478' }] } })
    const alice = await open()
    await waitFor(() => alice.config)
    expect(alice.config).toEqual({
      type: 'tandem-config',
      iceServers: [{ urls: 'stun:stun.example.org:3478' }],
      isPeerToPeerEnabled: true,
      isRelayAvailable: true,
      isIdentityVerified: false,
    })
  })

  it('tells clients the relay does not reach peers on other instances when fan-out is configured', async () => {
    const bus: PubSub = {
      kind: 'test-bus',
      subscribe: async () => async () => undefined,
      publish: () => undefined,
      onResync: () => undefined,
      ping: async () => undefined,
      close: async () => undefined,
    }
    running = await startServer({ pubsub: bus })
    const alice = await open()
    await waitFor(() => alice.config)
    expect(alice.config?.isRelayAvailable).toBe(false)
  })

  it('fans an announce out to the other subscribers of the topic, with the client count', async () => {
    running = await startServer()
    const [alice, bob, carol] = [await open(), await open(), await open()]
    await subscribe(alice, 'doc-a')
    await subscribe(bob, 'doc-a')
    await subscribe(carol, 'other-doc')
    alice.send({ type: 'publish', topic: 'doc-a', data: { type: 'announce', from: 'peer-alice' } })
    await waitFor(() => published(bob).length === 1)
    expect(bob.messages.at(-1)).toEqual({
      type: 'publish',
      topic: 'doc-a',
      data: { type: 'announce', from: 'peer-alice' },
      clients: 2,
    })
    await settle(alice)
    await settle(carol)
    expect(published(alice)).toEqual([])
    expect(published(carol)).toEqual([])
  })

  it("passes a Tandem announce's mesh state on (a newcomer learns the room's), and drops one that is not a boolean", async () => {
    running = await startServer()
    const [alice, bob] = [await open(), await open()]
    for (const client of [alice, bob]) await subscribe(client, 'doc-a')
    bob.send({ type: 'publish', topic: 'doc-a', data: { type: 'announce', from: 'peer-bob' } })
    await waitFor(() => published(alice).length === 1)
    alice.send({
      type: 'publish',
      topic: 'doc-a',
      data: { type: 'announce', from: 'peer-alice', to: 'peer-bob', mesh: false },
    })
    await waitFor(() => published(bob).length === 1)
    expect(bob.messages.at(-1)).toEqual({
      type: 'publish',
      topic: 'doc-a',
      data: { type: 'announce', from: 'peer-alice', to: 'peer-bob', mesh: false },
      clients: 2,
    })
    alice.send({ type: 'publish', topic: 'doc-a', data: { type: 'announce', from: 'peer-alice', mesh: 'yes' } })
    await waitFor(() => published(bob).length === 2)
    expect(published(bob).at(-1)).toEqual({ type: 'announce', from: 'peer-alice' })
  })

  it('delivers a signal only to its addressee, as y-webrtc sends it', async () => {
    running = await startServer()
    const [alice, bob, carol] = [await open(), await open(), await open()]
    for (const client of [alice, bob, carol]) await subscribe(client, 'doc-a')
    bob.send({ type: 'publish', topic: 'doc-a', data: { type: 'announce', from: 'peer-bob' } })
    carol.send({ type: 'publish', topic: 'doc-a', data: { type: 'announce', from: 'peer-carol' } })
    await waitFor(() => published(alice).length === 2)
    const offer = { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' }
    alice.send({
      type: 'publish',
      topic: 'doc-a',
      data: { type: 'signal', from: 'peer-alice', to: 'peer-bob', token: 1732270000000.25, signal: offer },
    })
    await waitFor(() => published(bob).some((d) => d.type === 'signal'))
    expect(published(bob).find((d) => d.type === 'signal')).toEqual({
      type: 'signal',
      from: 'peer-alice',
      to: 'peer-bob',
      token: 1732270000000.25,
      signal: offer,
    })
    await settle(carol)
    expect(published(carol).some((d) => d.type === 'signal')).toBe(false)
  })

  it('answers ping with pong', async () => {
    running = await startServer()
    const alice = await open()
    alice.send({ type: 'ping' })
    await waitFor(() => alice.messages.some((m) => m.type === 'pong'))
    expect(alice.messages).toEqual([{ type: 'pong' }])
  })

  it('tells the others at once when a peer unsubscribes or disconnects, and stops delivering to it', async () => {
    running = await startServer()
    const [alice, bob, carol] = [await open(), await open(), await open()]
    for (const client of [alice, bob, carol]) await subscribe(client, 'doc-a')
    alice.send({ type: 'publish', topic: 'doc-a', data: { type: 'announce', from: 'peer-alice' } })
    carol.send({ type: 'publish', topic: 'doc-a', data: { type: 'announce', from: 'peer-carol' } })
    await waitFor(() => published(bob).length === 2)
    alice.send({ type: 'unsubscribe', topics: ['doc-a'] })
    await waitFor(() => published(bob).some((d) => d.type === 'leave' && d.from === 'peer-alice'))
    carol.ws.close()
    await waitFor(() => published(bob).some((d) => d.type === 'leave' && d.from === 'peer-carol'))
    bob.send({ type: 'publish', topic: 'doc-a', data: { type: 'announce', from: 'peer-bob' } })
    await settle(bob)
    await settle(alice)
    expect(published(alice).filter((d) => d.from === 'peer-bob')).toEqual([])
  })

  it('drops a publish to a topic the sender has not subscribed to', async () => {
    running = await startServer()
    const [mallory, bob] = [await open(), await open()]
    await subscribe(bob, 'doc-a')
    mallory.send({ type: 'publish', topic: 'doc-a', data: { type: 'announce', from: 'peer-mallory' } })
    await settle(mallory)
    await settle(bob)
    expect(published(bob)).toEqual([])
    expect(await metric(running, 'tandem_signalling_messages_total', 'direction="in",type="dropped"')).toBe(1)
  })

  it('pins a connection to its first peer id: forged senders are not relayed', async () => {
    running = await startServer()
    const [alice, mallory, bob] = [await open(), await open(), await open()]
    for (const client of [alice, mallory, bob]) await subscribe(client, 'doc-a')
    alice.send({ type: 'publish', topic: 'doc-a', data: { type: 'announce', from: 'peer-alice' } })
    mallory.send({ type: 'publish', topic: 'doc-a', data: { type: 'announce', from: 'peer-mallory' } })
    await waitFor(() => published(bob).length === 2)
    // Mallory speaks as Alice (another connection's id), then as a fresh id: both are dropped.
    mallory.send({ type: 'publish', topic: 'doc-a', data: { type: 'announce', from: 'peer-alice' } })
    mallory.send({ type: 'publish', topic: 'doc-a', data: { type: 'announce', from: 'peer-fresh' } })
    await settle(mallory)
    await settle(bob)
    expect(published(bob).map((d) => d.from)).toEqual(['peer-alice', 'peer-mallory'])
  })

  it('relays an awareness update only to the listed peers without an open channel', async () => {
    running = await startServer()
    const [alice, bob, carol] = [await open(), await open(), await open()]
    for (const client of [alice, bob, carol]) await subscribe(client, 'doc-a')
    for (const [client, id] of [
      [alice, 'peer-alice'],
      [bob, 'peer-bob'],
      [carol, 'peer-carol'],
    ] as const) {
      client.send({ type: 'publish', topic: 'doc-a', data: { type: 'announce', from: id } })
    }
    await waitFor(() => published(alice).length === 2 && published(carol).length === 2)
    const update = awarenessUpdateBase64(42, { user: { name: 'Alice' }, cursor: { anchor: 3, head: 5 } })
    alice.send({
      type: 'publish',
      topic: 'doc-a',
      data: { type: 'awareness', from: 'peer-alice', to: ['peer-carol'], update },
    })
    await waitFor(() => published(carol).some((d) => d.type === 'awareness'))
    const relayed = published(carol).find((d) => d.type === 'awareness')!
    expect(relayed.from).toBe('peer-alice')
    expect(decodeAwareness(relayed.update as string).get(42)).toEqual({
      user: { name: 'Alice' },
      cursor: { anchor: 3, head: 5 },
    })
    await settle(bob)
    expect(published(bob).some((d) => d.type === 'awareness')).toBe(false)
    expect(await metric(running, 'tandem_signalling_messages_total', 'direction="out",type="awareness"')).toBe(1)
  })

  it('fans out y-webrtc password-mode ciphertext (it hides the addressee)', async () => {
    running = await startServer()
    const [alice, bob] = [await open(), await open()]
    for (const client of [alice, bob]) await subscribe(client, 'doc-a')
    alice.send({ type: 'publish', topic: 'doc-a', data: 'q83vEjRWeJA=' })
    await waitFor(() => published(bob).length === 1)
    expect(bob.messages.at(-1)).toEqual({ type: 'publish', topic: 'doc-a', data: 'q83vEjRWeJA=', clients: 2 })
  })

  it('reads binary frames as JSON text, as the reference server does', async () => {
    running = await startServer()
    const alice = await open()
    alice.ws.send(Buffer.from('{"type":"ping"}'), { binary: true })
    await waitFor(() => alice.messages.some((m) => m.type === 'pong'))
  })

  it('closes on JSON that is not an object with 4400', async () => {
    running = await startServer()
    for (const frame of ['[]', 'null', '"ping"', '12']) {
      const client = await open()
      client.send(frame)
      expect(await client.closed).toEqual({
        code: 4400,
        reason: 'malformed-frame: a signalling message is a JSON object',
      })
    }
  })

  it('closes on a non-JSON frame with 4400 and keeps serving everyone else', async () => {
    running = await startServer()
    const [garbage, bob] = [await open(), await open()]
    garbage.send('this is {not json')
    expect(await garbage.closed).toEqual({ code: 4400, reason: 'malformed-frame: signalling messages are JSON text' })
    await subscribe(bob, 'doc-a')
    const carol = await open()
    await subscribe(carol, 'doc-a')
    carol.send({ type: 'publish', topic: 'doc-a', data: { type: 'announce', from: 'peer-carol' } })
    await waitFor(() => published(bob).length === 1)
  })

  it('survives hostile shapes: __proto__ keys and topics, wrong types, binary frames', async () => {
    running = await startServer()
    const [mallory, bob] = [await open(), await open()]
    await subscribe(bob, '__proto__', 'constructor')
    await subscribe(mallory, '__proto__')
    for (const frame of [
      '{"type":"publish","topic":"__proto__","data":{"type":"announce","from":"peer-m","__proto__":{"polluted":1}}}',
      '{"__proto__":{"type":"subscribe","topics":["x"]}}',
      '{"type":"subscribe","topics":"doc-a"}',
      '{"type":"subscribe","topics":[1,null,{},[]]}',
      '{"type":"publish","topic":"constructor","data":{"type":"signal","from":"peer-m","to":"peer-b","signal":null}}',
      '{"type":"publish","topic":"__proto__","data":{"type":"signal","from":"peer-m","to":"peer-b","signal":{"type":"offer","sdp":1}}}',
      '{"type":"publish","topic":"__proto__","data":{"type":"awareness","from":"peer-m","to":["peer-b"],"update":"!!"}}',
      '{"type":"publish","topic":"__proto__","data":{"type":"awareness","from":"peer-m","to":["peer-b"],"update":"AQ=="}}',
      '{"type":"unknown"}',
    ]) {
      if (mallory.ws.readyState === WebSocket.OPEN) mallory.send(frame)
    }
    // The truncated awareness update closes the connection; everything before it was dropped.
    expect(await mallory.closed).toEqual({
      code: 4400,
      reason: 'malformed-frame: relayed awareness update does not decode',
    })
    await waitFor(() => published(bob).length === 2)
    expect(published(bob)).toEqual([
      { type: 'announce', from: 'peer-m' },
      { type: 'leave', from: 'peer-m' },
    ])
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    const carol = await open()
    await subscribe(carol, 'constructor')
  })

  it('refuses a topic that is not a document id with 4400', async () => {
    running = await startServer()
    const alice = await open()
    alice.send({ type: 'subscribe', topics: ['not a doc id!'] })
    const { code, reason } = await alice.closed
    expect(code).toBe(4400)
    expect(reason).toMatch(/^invalid-doc-id/)
  })
})

describe('/signal limits', () => {
  let running: RunningServer
  afterEach(() => running.close())

  it('closes a message above 16 KiB with 4413', async () => {
    running = await startServer()
    const alice = await signalClient(running)
    await subscribe(alice, 'doc-a')
    alice.send({ type: 'publish', topic: 'doc-a', data: { type: 'announce', from: 'p', pad: 'x'.repeat(17_000) } })
    const { code, reason } = await alice.closed
    expect(code).toBe(4413)
    expect(reason).toMatch(/^frame-too-large/)
  })

  it('closes a frame far above the limit at the WebSocket layer (1009)', async () => {
    running = await startServer()
    const alice = await signalClient(running)
    alice.send('x'.repeat(1024 * 1024))
    expect((await alice.closed).code).toBe(1009)
  })

  it('refuses more than 10 topics per connection', async () => {
    running = await startServer()
    const alice = await signalClient(running)
    await subscribe(alice, ...Array.from({ length: 10 }, (_, i) => `doc-${i}`))
    alice.send({ type: 'subscribe', topics: ['doc-10'] })
    const { code, reason } = await alice.closed
    expect(code).toBe(4400)
    expect(reason).toMatch(/at most 10 topics/)
  })

  it('closes a flooding connection with 4529 and keeps the server responsive', async () => {
    running = await startServer()
    const flooder = await signalClient(running)
    for (let i = 0; i < 500 && flooder.ws.readyState === WebSocket.OPEN; i++) flooder.send({ type: 'ping' })
    const { code, reason } = await flooder.closed
    expect(code).toBe(4529)
    expect(reason).toMatch(/^rate-limited/)
    expect(flooder.messages.filter((m) => m.type === 'pong').length).toBeLessThanOrEqual(101)
    const bob = await signalClient(running)
    await settle(bob)
    bob.ws.close()
  })
})

describe('/signal with AUTH_SECRET: topics are authorised like documents', () => {
  let running: RunningServer
  afterEach(() => running.close())
  const token = (doc: string, role: Role, name?: string) => mintToken({ secret: SECRET, doc, role, name })

  it('refuses a connection without a token with 4401', async () => {
    running = await startServer({ authSecret: SECRET })
    const anonymous = await signalClient(running)
    const { code, reason } = await anonymous.closed
    expect(code).toBe(4401)
    expect(reason).toMatch(/^unauthorized/)
  })

  it('refuses a topic the token does not name with 4403', async () => {
    running = await startServer({ authSecret: SECRET })
    const alice = await signalClient(running, `?token=${await token('doc-a', 'edit')}`)
    await subscribe(alice, 'doc-a')
    alice.send({ type: 'subscribe', topics: ['doc-b'] })
    const { code, reason } = await alice.closed
    expect(code).toBe(4403)
    expect(reason).toMatch(/^forbidden/)
  })

  it('lets a view token join presence, and stamps the token’s name on relayed awareness', async () => {
    running = await startServer({ authSecret: SECRET })
    const viewer = await signalClient(running, `?token=${await token('doc-a', 'view', 'Vera')}`)
    const editor = await signalClient(running, `?token=${await token('doc-a', 'edit', 'Eddie')}`)
    await subscribe(viewer, 'doc-a')
    await subscribe(editor, 'doc-a')
    editor.send({ type: 'publish', topic: 'doc-a', data: { type: 'announce', from: 'peer-eddie' } })
    await waitFor(() => published(viewer).length === 1)
    const update = awarenessUpdateBase64(7, { user: { name: 'The Boss' } })
    viewer.send({
      type: 'publish',
      topic: 'doc-a',
      data: { type: 'awareness', from: 'peer-vera', to: ['peer-eddie'], update },
    })
    await waitFor(() => published(editor).some((d) => d.type === 'awareness'))
    const relayed = published(editor).find((d) => d.type === 'awareness')!
    expect((decodeAwareness(relayed.update as string).get(7)?.user as { name: string }).name).toBe('Vera')
    viewer.ws.close()
    editor.ws.close()
  })

  it('counts signalling connections in /metrics', async () => {
    running = await startServer({ authSecret: SECRET })
    const alice = await signalClient(running, `?token=${await token('doc-a', 'edit')}`)
    await waitFor(async () => (await metric(running, 'tandem_signalling_connections', '')) === 1)
    alice.ws.close()
    await waitFor(async () => (await metric(running, 'tandem_signalling_connections', '')) === 0)
  })
})
