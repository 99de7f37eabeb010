import { describe, expect, it } from 'vitest'
import { ErrorCode, SyncError } from '../../shared/errors.js'
import { ImageType, sniffImage } from '../../server/files/image-sniff.js'
import {
  GIF_16,
  HTML_DRESSED_AS_PNG,
  JPEG_16,
  png,
  pngChunk,
  pngClaiming,
  pngHeader,
  PNG_SIGNATURE_THEN_HTML,
  SVG,
  WEBP_16,
  WEBP_LOSSLESS_1,
  WEBP_LOSSY_1,
} from '../fixtures/images.js'

function refusal(bytes: Uint8Array): SyncError {
  try {
    sniffImage(bytes)
  } catch (error) {
    if (error instanceof SyncError) return error
    throw error
  }
  throw new Error('the bytes were accepted')
}

describe('sniffImage', () => {
  it('reads a PNG and its dimensions from IHDR', () => {
    expect(sniffImage(png(3, 2))).toEqual({ type: ImageType.Png, width: 3, height: 2 })
  })

  it('reads a JPEG and its dimensions from the frame header', () => {
    expect(sniffImage(JPEG_16)).toEqual({ type: ImageType.Jpeg, width: 16, height: 16 })
  })

  it('reads a GIF and its logical screen', () => {
    expect(sniffImage(GIF_16)).toEqual({ type: ImageType.Gif, width: 16, height: 16 })
  })

  it('reads WebP in its three forms: VP8X, lossy VP8 and lossless VP8L', () => {
    expect(sniffImage(WEBP_16)).toEqual({ type: ImageType.Webp, width: 16, height: 16 })
    expect(sniffImage(WEBP_LOSSY_1)).toEqual({ type: ImageType.Webp, width: 1, height: 1 })
    expect(sniffImage(WEBP_LOSSLESS_1)).toEqual({ type: ImageType.Webp, width: 1, height: 1 })
  })

  it('refuses HTML, SVG, an empty body and a PNG signature followed by a page', () => {
    for (const bytes of [HTML_DRESSED_AS_PNG, SVG, new Uint8Array(), PNG_SIGNATURE_THEN_HTML]) {
      expect(refusal(bytes).code).toBe(ErrorCode.UnsupportedMediaType)
    }
    expect(refusal(SVG).message).toMatch(/only PNG, JPEG, GIF and WebP/)
  })

  it('refuses every image cut short, at any length', () => {
    for (const whole of [png(4, 4), JPEG_16, GIF_16, WEBP_16, WEBP_LOSSY_1, WEBP_LOSSLESS_1]) {
      for (const length of [whole.length - 1, Math.floor(whole.length / 2), 12, 3]) {
        const error = refusal(whole.subarray(0, length))
        expect(error.code, `${length} of ${whole.length} bytes`).toBe(ErrorCode.UnsupportedMediaType)
      }
    }
    expect(refusal(png(4, 4).subarray(0, 40)).message).toMatch(/truncated/)
  })

  it('refuses a PNG whose first chunk is not IHDR', () => {
    const bytes = Buffer.concat([pngHeader(1, 1).subarray(0, 8), pngChunk('IEND', new Uint8Array())])
    expect(refusal(bytes).message).toMatch(/IHDR/)
  })

  it('refuses a huge-dimension PNG from its header alone (a decompression bomb)', () => {
    const bomb = refusal(pngClaiming(100_000, 100_000))
    expect(bomb.code).toBe(ErrorCode.FileTooLarge)
    expect(bomb.message).toMatch(/100000 × 100000 pixels/)
    expect(refusal(pngHeader(30_000, 1)).code).toBe(ErrorCode.FileTooLarge)
  })

  it('refuses more pixels than the cap even when each side fits, and allows what the caps allow', () => {
    const caps = { maxSidePx: 100, maxPixels: 50 }
    expect(() => sniffImage(png(10, 6), caps)).toThrow(/at most 100 pixels a side/)
    expect(sniffImage(png(10, 5), caps)).toMatchObject({ width: 10, height: 5 })
  })

  it('refuses an image with no pixels', () => {
    expect(refusal(pngClaiming(0, 10)).code).toBe(ErrorCode.UnsupportedMediaType)
  })

  it('refuses a GIF frame larger than the caps inside a small logical screen', () => {
    const gif = Buffer.from(GIF_16)
    // The first image descriptor's width, after the header, the screen and the global colour table.
    const descriptor = gif.indexOf(0x2c, 13 + 3 * 2 ** ((gif[10]! & 7) + 1))
    gif.writeUInt16LE(60_000, descriptor + 5)
    expect(refusal(gif).code).toBe(ErrorCode.FileTooLarge)
  })
})
