import { ErrorCode, SyncError } from '../../shared/errors.js'
import { MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE_PX } from '../../shared/limits.js'

/** The only types an upload may be: images every browser shows and none of which can carry script (SVG can). */
export const ImageType = {
  Png: 'image/png',
  Jpeg: 'image/jpeg',
  Gif: 'image/gif',
  Webp: 'image/webp',
} as const
export type ImageType = (typeof ImageType)[keyof typeof ImageType]

/** What the bytes are, as their own structure says. */
export interface SniffedImage {
  type: ImageType
  /** Pixel dimensions from the header (for GIF, the logical screen; for JPEG, the frame). */
  width: number
  height: number
}

export interface ImageCaps {
  /** Largest width or height in pixels. */
  maxSidePx: number
  /** Largest width × height. */
  maxPixels: number
}

const DEFAULT_CAPS: ImageCaps = { maxSidePx: MAX_IMAGE_SIDE_PX, maxPixels: MAX_IMAGE_PIXELS }

const ALLOWED = 'only PNG, JPEG, GIF and WebP images can be uploaded'

/**
 * Decides what an upload is from its bytes alone, never from the Content-Type or the name (a page
 * dressed as image/png stays a page), and checks it is whole: every chunk, segment or block the
 * structure announces must be present up to the format's end marker. Throws SyncError:
 * UnsupportedMediaType for anything else or anything cut short, FileTooLarge for dimensions
 * beyond `caps` (a decompression bomb is small on the wire and huge once decoded).
 */
export function sniffImage(bytes: Uint8Array, caps: ImageCaps = DEFAULT_CAPS): SniffedImage {
  const reader = new ByteReader(bytes)
  const image = startsWith(bytes, PNG_SIGNATURE)
    ? readPng(reader, caps)
    : startsWith(bytes, [0xff, 0xd8, 0xff])
      ? readJpeg(reader, caps)
      : startsWith(bytes, ascii('GIF87a')) || startsWith(bytes, ascii('GIF89a'))
        ? readGif(reader, caps)
        : startsWith(bytes, ascii('RIFF')) && startsWith(bytes.subarray(8), ascii('WEBP'))
          ? readWebp(reader, caps)
          : null
  if (!image) throw new SyncError(ErrorCode.UnsupportedMediaType, `${ALLOWED}; this file is not one`)
  return image
}

function checkDimensions(width: number, height: number, caps: ImageCaps): void {
  if (width === 0 || height === 0) throw damaged('it has no pixels')
  if (width > caps.maxSidePx || height > caps.maxSidePx || width * height > caps.maxPixels) {
    throw new SyncError(
      ErrorCode.FileTooLarge,
      `the image is ${width} × ${height} pixels; at most ${caps.maxSidePx} pixels a side and ` +
        `${caps.maxPixels / 1_000_000} megapixels are allowed`,
    )
  }
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]

// Each reader checks the dimensions as soon as the header gives them: a bomb is refused for what
// it claims, whatever follows.

/** Signature, IHDR first (its width and height), then chunks up to IEND. */
function readPng(reader: ByteReader, caps: ImageCaps): SniffedImage {
  reader.skip(PNG_SIGNATURE.length)
  let width = 0
  let height = 0
  for (let index = 0; ; index++) {
    const length = reader.u32be()
    const type = reader.text(4)
    if (index === 0) {
      if (type !== 'IHDR' || length !== 13) throw damaged('its first chunk is not IHDR')
      width = reader.u32be()
      height = reader.u32be()
      checkDimensions(width, height, caps)
      reader.skip(length - 8 + 4)
      continue
    }
    reader.skip(length + 4) // data and CRC
    if (type === 'IEND') return { type: ImageType.Png, width, height }
  }
}

/** Segments up to the first frame header (its dimensions), then through the scans up to EOI. */
function readJpeg(reader: ByteReader, caps: ImageCaps): SniffedImage {
  reader.skip(2) // SOI
  let frame: { width: number; height: number } | null = null
  for (;;) {
    if (reader.u8() !== 0xff) throw damaged('a JPEG segment does not start with a marker')
    let marker = reader.u8()
    while (marker === 0xff) marker = reader.u8() // fill bytes
    if (marker === 0xd9) {
      if (!frame) throw damaged('it has no frame header')
      return { type: ImageType.Jpeg, ...frame }
    }
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) continue // no length
    const length = reader.u16be()
    if (length < 2) throw damaged('a JPEG segment has an impossible length')
    const isFrameHeader = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc
    if (isFrameHeader && !frame) {
      const start = reader.offset
      reader.skip(1) // sample precision
      const height = reader.u16be()
      const width = reader.u16be()
      checkDimensions(width, height, caps)
      frame = { width, height }
      reader.seek(start + length - 2)
    } else {
      reader.skip(length - 2)
    }
    if (marker === 0xda) skipEntropyCodedData(reader)
  }
}

/** Entropy-coded data runs until a marker that is neither a stuffed 0xFF00 nor a restart marker. */
function skipEntropyCodedData(reader: ByteReader): void {
  for (;;) {
    if (reader.u8() !== 0xff) continue
    const next = reader.peek()
    if (next === 0x00 || (next >= 0xd0 && next <= 0xd7) || next === 0xff) {
      if (next !== 0xff) reader.skip(1)
      continue
    }
    reader.seek(reader.offset - 1)
    return
  }
}

/** Header and logical screen, then extension and image blocks up to the trailer; every frame is capped too. */
function readGif(reader: ByteReader, caps: ImageCaps): SniffedImage {
  reader.skip(6)
  const width = reader.u16le()
  const height = reader.u16le()
  checkDimensions(width, height, caps)
  const packed = reader.u8()
  reader.skip(2)
  if (packed & 0x80) reader.skip(3 * 2 ** ((packed & 0x07) + 1))
  for (;;) {
    const block = reader.u8()
    if (block === 0x3b) return { type: ImageType.Gif, width, height }
    if (block === 0x21) {
      reader.skip(1) // label
      skipSubBlocks(reader)
    } else if (block === 0x2c) {
      reader.skip(4) // left, top
      checkDimensions(reader.u16le(), reader.u16le(), caps)
      const local = reader.u8()
      if (local & 0x80) reader.skip(3 * 2 ** ((local & 0x07) + 1))
      reader.skip(1) // LZW minimum code size
      skipSubBlocks(reader)
    } else {
      throw damaged('a GIF block has an unknown introducer')
    }
  }
}

function skipSubBlocks(reader: ByteReader): void {
  for (let size = reader.u8(); size !== 0; size = reader.u8()) reader.skip(size)
}

/** RIFF container whose size must be present in full; dimensions from the first VP8X, VP8L or VP8 chunk. */
function readWebp(reader: ByteReader, caps: ImageCaps): SniffedImage {
  reader.skip(4)
  const riffEnd = 8 + reader.u32le()
  if (riffEnd > reader.length) throw damaged('the file is shorter than its header says')
  reader.skip(4) // WEBP
  let dimensions: { width: number; height: number } | null = null
  while (reader.offset < riffEnd) {
    const type = reader.text(4)
    const size = reader.u32le()
    const start = reader.offset
    if (start + size > riffEnd) throw damaged('a WebP chunk runs past the end of the file')
    if (!dimensions) {
      dimensions = webpDimensions(reader, type, size)
      if (dimensions) checkDimensions(dimensions.width, dimensions.height, caps)
    }
    reader.seek(start + size + (size % 2)) // chunks are padded to an even size
  }
  if (!dimensions) throw damaged('it has no image chunk')
  return { type: ImageType.Webp, ...dimensions }
}

function webpDimensions(reader: ByteReader, type: string, size: number): { width: number; height: number } | null {
  if (type === 'VP8X' && size >= 10) {
    reader.skip(4) // flags and reserved
    return { width: reader.u24le() + 1, height: reader.u24le() + 1 }
  }
  if (type === 'VP8L' && size >= 5) {
    if (reader.u8() !== 0x2f) throw damaged('its lossless signature is wrong')
    const bits = reader.u32le()
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 }
  }
  if (type === 'VP8 ' && size >= 10) {
    reader.skip(3) // frame tag
    if (reader.u8() !== 0x9d || reader.u8() !== 0x01 || reader.u8() !== 0x2a) throw damaged('its start code is wrong')
    return { width: reader.u16le() & 0x3fff, height: reader.u16le() & 0x3fff }
  }
  return null
}

function damaged(detail: string): SyncError {
  return new SyncError(ErrorCode.UnsupportedMediaType, `the image is damaged or incomplete: ${detail}`)
}

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return bytes.length >= prefix.length && prefix.every((byte, i) => bytes[i] === byte)
}

function ascii(text: string): number[] {
  return [...text].map((c) => c.charCodeAt(0))
}

/** Reads forward through the bytes; reading past the end means the file was cut short. */
class ByteReader {
  offset = 0
  private readonly view: DataView

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  get length(): number {
    return this.bytes.length
  }

  u8(): number {
    this.need(1)
    return this.bytes[this.offset++]!
  }
  peek(): number {
    this.need(1)
    return this.bytes[this.offset]!
  }
  u16be(): number {
    this.need(2)
    const value = this.view.getUint16(this.offset)
    this.offset += 2
    return value
  }
  u16le(): number {
    this.need(2)
    const value = this.view.getUint16(this.offset, true)
    this.offset += 2
    return value
  }
  u24le(): number {
    return this.u16le() + this.u8() * 0x10000
  }
  u32be(): number {
    this.need(4)
    const value = this.view.getUint32(this.offset)
    this.offset += 4
    return value
  }
  u32le(): number {
    this.need(4)
    const value = this.view.getUint32(this.offset, true)
    this.offset += 4
    return value
  }
  text(length: number): string {
    this.need(length)
    const text = String.fromCharCode(...this.bytes.subarray(this.offset, this.offset + length))
    this.offset += length
    return text
  }
  skip(count: number): void {
    this.seek(this.offset + count)
  }
  seek(offset: number): void {
    if (offset > this.bytes.length) throw damaged('it ends before its structure does (truncated)')
    this.offset = offset
  }

  private need(count: number): void {
    if (this.offset + count > this.bytes.length) throw damaged('it ends before its structure does (truncated)')
  }
}
