import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeFrames, encodeFrames, SseParser } from '../../client/transport/http-framing.js'
import {
  decodeFrames as serverDecodeFrames,
  encodeFrames as serverEncodeFrames,
} from '../../server/transport/http-session.js'

/** The HTTP fallback's two framings: length-prefixed frame batches and the SSE grammar. */
describe('HTTP fallback framing', () => {
  it('decodes what either side encodes, whatever the frames', () => {
    const frame = fc.uint8Array({ minLength: 1, maxLength: 300 })
    fc.assert(
      fc.property(fc.array(frame, { maxLength: 20 }), (frames) => {
        expect(decodeFrames(serverEncodeFrames(frames))).toEqual(frames)
        expect(serverDecodeFrames(encodeFrames(frames))).toEqual(frames)
      }),
    )
  })

  it('refuses truncated bodies and empty frames on the server', () => {
    const body = encodeFrames([new Uint8Array([0, 2, 1, 9])])
    expect(serverDecodeFrames(body.subarray(0, body.length - 1))).toBeNull()
    expect(serverDecodeFrames(new Uint8Array([0]))).toBeNull()
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
})
