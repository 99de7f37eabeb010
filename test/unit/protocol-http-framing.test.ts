import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { SseParser } from '../../client/transport/sse-parser.js'
import {
  closeOfErrorAnswer,
  decodeFrames,
  decodeSseFrames,
  encodeFrames,
  encodeSseFrames,
  formatCursor,
  formatSseEvent,
  formatSseFramesEvent,
  parseCursor,
  SseEventType,
} from '../../shared/protocol/http-framing.js'

const frame = fc.uint8Array({ minLength: 1, maxLength: 200 })
const frames = fc.array(frame, { maxLength: 10 })

/** The HTTP fallback's framing: frame batches, cursors, the SSE events the server writes and the client parses. */
describe('HTTP fallback framing (shared/protocol/http-framing.ts)', () => {
  it('reads back every batch it writes, as a body and as SSE event data', () => {
    fc.assert(
      fc.property(frames, (list) => {
        expect(decodeFrames(encodeFrames(list))).toEqual(list)
        expect(decodeSseFrames(encodeSseFrames(list))).toEqual(list)
      }),
    )
  })

  it('refuses truncated bodies and empty frames', () => {
    fc.assert(
      fc.property(fc.array(frame, { minLength: 1, maxLength: 5 }), (list) => {
        const body = encodeFrames(list)
        expect(decodeFrames(body.subarray(0, body.length - 1))).toBeNull()
      }),
    )
    expect(decodeFrames(new Uint8Array([0]))).toBeNull()
    expect(decodeFrames(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0x01]))).toBeNull()
    expect(decodeFrames(new Uint8Array([]))).toEqual([])
  })

  it('writes cursors it reads back, and reads nothing else', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9]{1,16}$/), fc.nat(), (epoch, seq) => {
        expect(parseCursor(formatCursor(epoch, seq))).toEqual({ epoch, seq })
      }),
    )
    for (const bad of [
      '',
      'abc',
      'abc:',
      ':5',
      'ab-c:5',
      'abc:-1',
      'abc:1e3',
      `${'a'.repeat(17)}:1`,
      'a:1234567890123456',
    ]) {
      expect(parseCursor(bad)).toBeNull()
    }
  })

  it('writes SSE events that the client parser reads back, with or without an id', () => {
    fc.assert(
      fc.property(frames, fc.stringMatching(/^[a-f0-9]{1,12}$/), fc.nat(), (list, epoch, seq) => {
        const parser = new SseParser()
        const text =
          formatSseFramesEvent(encodeSseFrames(list), epoch, seq) +
          formatSseEvent(SseEventType.Resync, '{}') +
          formatSseEvent(SseEventType.Ping, '1', 'x:1')
        const [frames, resync, ping] = parser.push(new TextEncoder().encode(text))
        expect(frames).toEqual({
          event: SseEventType.Frames,
          data: encodeSseFrames(list),
          id: formatCursor(epoch, seq),
        })
        expect(parseCursor(frames!.id)).toEqual({ epoch, seq })
        expect(decodeSseFrames(frames!.data)).toEqual(list)
        expect(resync).toEqual({ event: SseEventType.Resync, data: '{}', id: null })
        expect(ping).toEqual({ event: SseEventType.Ping, data: '1', id: 'x:1' })
      }),
    )
  })

  it('parses SSE events split anywhere, with LF, CR or CRLF line ends, comments and multi-line data', () => {
    const stream =
      ':comment\r\nretry: 2000\r\n\r\nevent: hello\ndata: {"v":1}\n\nid: e:3\revent: frames\rdata: AAEC\rdata: more\r\r'
    const bytes = new TextEncoder().encode(stream)
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 6 }), (cuts) => {
        const parser = new SseParser()
        const points = [0, ...[...new Set(cuts)].sort((a, b) => a - b), bytes.length]
        const events = points.slice(1).flatMap((end, i) => parser.push(bytes.subarray(points[i], end)))
        expect(events).toEqual([
          { event: 'hello', data: '{"v":1}', id: null },
          { event: 'frames', data: 'AAEC\nmore', id: 'e:3' },
        ])
      }),
    )
  })

  it('reads the close a refused request stands for from its body, or from its status alone', () => {
    const body = JSON.stringify({
      error: 'unauthorized',
      message: 'no token',
      closeCode: 4401,
      reason: 'unauthorized: no token',
    })
    expect(closeOfErrorAnswer(401, body)).toEqual({ code: 4401, reason: 'unauthorized: no token' })
    expect(closeOfErrorAnswer(400, JSON.stringify({ error: 'bad-request', message: 'sid' }))).toEqual({
      code: 4400,
      reason: 'bad-request: sid',
    })
    expect(closeOfErrorAnswer(413, '<html>too large</html>')).toEqual({ code: 4413, reason: 'bad-request: 413' })
  })
  it('maps a refusal without a close code by its status: 401 → 4401, 403 → 4403 (a refused origin)', () => {
    const origin = JSON.stringify({ error: 'forbidden-origin', message: 'origin https://a.example is not in …' })
    expect(closeOfErrorAnswer(403, origin)).toEqual({
      code: 4403,
      reason: 'forbidden-origin: origin https://a.example is not in …',
    })
    expect(closeOfErrorAnswer(401, '').code).toBe(4401)
  })

  it('takes a 404 or 405 from a sync endpoint for a server that is not Tandem (4426)', () => {
    expect(closeOfErrorAnswer(404, '<html>Cannot GET</html>')).toEqual({
      code: 4426,
      reason: 'not-tandem-server: HTTP 404 from its sync endpoint',
    })
    expect(closeOfErrorAnswer(405, '').code).toBe(4426)
  })
})
