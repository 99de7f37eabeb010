import { describe, expect, it } from 'vitest'
import type { DocId } from '../../shared/ids.js'
import { createMetrics } from '../../server/metrics.js'
import { TransportKind } from '../../shared/protocol/transport-kind.js'
import { HttpSession } from '../../server/transport/http-session.js'
import { DEFAULT_HTTP_TRANSPORT_TIMINGS } from '../../server/transport/http-transport-kit.js'

function session(replayBufferBytes: number): HttpSession {
  return new HttpSession(
    'outbox-session-0001',
    'outbox' as DocId,
    TransportKind.ServerSentEvents,
    { ...DEFAULT_HTTP_TRANSPORT_TIMINGS, replayBufferBytes, idleMs: 60_000 },
    () => undefined,
    createMetrics(),
  )
}

/** An update-sized frame (Sync/Update) carrying `n`, so order can be checked. */
const frame = (n: number): Uint8Array => new Uint8Array([0, 2, 2, n & 0xff, (n >> 8) & 0xff])
const number = (f: Uint8Array): number => f[3]! | (f[4]! << 8)

describe('HttpSession outbox', () => {
  it('keeps seqs, replay and resume right across thousands of frames and its own compaction', () => {
    const s = session(5 * 1000) // room for the last 1,000 delivered frames
    for (let n = 1; n <= 5000; n++) s.send(frame(n))
    expect(s.framesAfter(4990).map((e) => number(e.frame))).toEqual([
      4991, 4992, 4993, 4994, 4995, 4996, 4997, 4998, 4999, 5000,
    ])
    s.markDelivered(4000)
    // Delivered frames beyond the replay budget are gone; a cursor inside the buffer still resumes.
    expect(s.canResume({ epoch: s.epoch, seq: 2000 })).toBe(false)
    expect(s.canResume({ epoch: s.epoch, seq: 3500 })).toBe(true)
    expect(s.framesAfter(3500)[0]!.seq).toBe(3501)
    expect(s.framesAfter(3500)).toHaveLength(1500)
    s.confirm(4999)
    expect(s.framesAfter(0).map((e) => e.seq)).toEqual([5000])
    for (let n = 5001; n <= 5003; n++) s.send(frame(n))
    expect(s.framesAfter(5000).map((e) => number(e.frame))).toEqual([5001, 5002, 5003])
    s.close(1000, 'done')
  })
})
