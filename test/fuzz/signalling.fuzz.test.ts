import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ErrorCode, SyncError } from '../../shared/errors.js'
import type { DocId } from '../../shared/ids.js'
import { OPEN_PRINCIPAL } from '../../server/auth/authenticator.js'
import { createLogger } from '../../server/logger.js'
import { SignallingHub, type SignalPeer, type SignalSession } from '../../server/signalling/signalling-hub.js'

const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000)
const RUNS = Number(process.env.FUZZ_RUNS ?? 300)

/** A few names, so random messages often hit the same topics and peers (and the prototype's names). */
const TOPICS = ['doc-a', 'doc-b', '__proto__', 'constructor', 'forbidden-doc', 'bad topic!', '']
const PEER_IDS = ['peer-0', 'peer-1', 'peer-2', '__proto__', 'x'.repeat(80), 'has space']

const topic = fc.constantFrom(...TOPICS)
const peerId = fc.oneof(fc.constantFrom(...PEER_IDS), fc.string({ maxLength: 8 }))
const signal = fc.oneof(
  fc.record({ type: fc.constantFrom('offer', 'answer'), sdp: fc.oneof(fc.string(), fc.integer()) }),
  fc.record({
    type: fc.constant('candidate'),
    candidate: fc.oneof(
      fc.record({ candidate: fc.string(), sdpMLineIndex: fc.integer(), sdpMid: fc.string() }),
      fc.json(),
    ),
  }),
  fc.jsonValue(),
)
const data = fc.oneof(
  fc.record({ type: fc.constant('announce'), from: peerId, to: fc.option(peerId, { nil: undefined }) }),
  fc.record({ type: fc.constant('signal'), from: peerId, to: peerId, token: fc.double(), signal }),
  fc.record({
    type: fc.constant('awareness'),
    from: peerId,
    to: fc.array(peerId, { maxLength: 4 }),
    update: fc.oneof(fc.base64String({ maxLength: 40 }), fc.string()),
  }),
  fc.string({ maxLength: 20 }),
  fc.jsonValue(),
)
const structured = fc.oneof(
  fc.record({ type: fc.constantFrom('subscribe', 'unsubscribe'), topics: fc.array(topic, { maxLength: 12 }) }),
  fc.record({ type: fc.constant('publish'), topic, data }),
  fc.constant({ type: 'ping' }),
  fc.dictionary(fc.constantFrom('type', '__proto__', 'constructor', 'topics', 'topic', 'data'), fc.jsonValue()),
)
/** Messages a real client would send, so that routing (not only rejection) is exercised. */
const VALID_TOPICS = ['doc-a', '__proto__', 'constructor']
const validTopic = fc.constantFrom(...VALID_TOPICS)
const validPeer = fc.constantFrom('peer-0', 'peer-1', 'peer-2')
/** Replaced by the sending peer's own id, so most publishes carry a sender the hub accepts. */
const SELF = 'peer-self'
const plausible = fc.oneof(
  fc.record({ type: fc.constant('subscribe'), topics: fc.array(validTopic, { minLength: 1, maxLength: 2 }) }),
  fc.record({
    type: fc.constant('publish'),
    topic: validTopic,
    data: fc.record({ type: fc.constant('announce'), from: fc.constant(SELF) }),
  }),
  fc.record({
    type: fc.constant('publish'),
    topic: validTopic,
    data: fc.record({
      type: fc.constant('signal'),
      from: fc.constant(SELF),
      to: validPeer,
      signal: fc.record({ type: fc.constant('offer'), sdp: fc.string() }),
    }),
  }),
)

/** A frame: mostly structured messages, sometimes arbitrary JSON or bytes that are not JSON at all. */
const frame = fc.oneof(
  { weight: 30, arbitrary: plausible.map((message) => JSON.stringify(message)) },
  { weight: 6, arbitrary: structured.map((message) => JSON.stringify(message)) },
  { weight: 1, arbitrary: fc.json() },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: structured.map((message) => JSON.stringify(message).slice(0, -1)) },
)

interface FakePeer extends SignalPeer {
  received: string[]
  closedWith: { code: number; reason: string } | null
  session: SignalSession
}

describe(`signalling hub fuzz (seed ${SEED}, replay with FUZZ_SEED=${SEED})`, () => {
  let relayed = 0
  it('never throws, delivers only well-formed publishes of subscribed topics, and never echoes to the sender', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), frame), { minLength: 5, maxLength: 60 }),
        async (script) => {
          const hub = new SignallingHub({ log: createLogger('silent'), now: () => 0 })
          const peers: FakePeer[] = [0, 1, 2].map((index) => {
            const peer = {
              id: `fuzz-${index}`,
              received: [] as string[],
              closedWith: null as { code: number; reason: string } | null,
              send(text: string) {
                peer.received.push(text)
              },
              close(code: number, reason: string) {
                peer.closedWith ??= { code, reason }
              },
            } as FakePeer
            peer.session = hub.open(peer, async (docId: DocId) => {
              if (docId.startsWith('forbidden')) throw new SyncError(ErrorCode.Forbidden, 'not yours')
              return OPEN_PRINCIPAL
            })
            return peer
          })
          for (const [index, text] of script) {
            const sender = peers[index]!
            const before = peers.map((p) => p.received.length)
            expect(() => sender.session.receive(text.replaceAll(SELF, `peer-${index}`))).not.toThrow()
            // Let the session's ordered queue (authorisation is async) run this message.
            await new Promise((resolve) => setImmediate(resolve))
            peers.forEach((receiver, i) => {
              for (const out of receiver.received.slice(before[i])) {
                const message = JSON.parse(out) as Record<string, unknown>
                if (message.type === 'pong') {
                  expect(receiver).toBe(sender)
                  continue
                }
                expect(Object.keys(message).sort()).toEqual(['clients', 'data', 'topic', 'type'])
                expect(message.type).toBe('publish')
                expect(receiver).not.toBe(sender)
                expect(receiver.session.subscriptions.has(message.topic as string)).toBe(true)
                relayed++
              }
            })
          }
          for (const peer of peers) {
            // 1011 would mean an exception the hub did not anticipate.
            if (peer.closedWith) expect(peer.closedWith.code).not.toBe(1011)
            peer.session.end()
          }
          for (const name of TOPICS) expect(hub.topicSize(name)).toBe(0)
          expect(({} as Record<string, unknown>).polluted).toBeUndefined()
          expect(Object.getPrototypeOf({})).toBe(Object.prototype)
        },
      ),
      { seed: SEED, numRuns: RUNS },
    )
    // The generator must reach the routing code, not only the parser's rejections.
    expect(relayed).toBeGreaterThan(RUNS / 10)
  })
})
