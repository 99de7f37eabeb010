import * as Y from 'yjs'
import { ErrorCode, errorMessage, SyncError } from '../../shared/errors.js'

export interface UpdateLimits {
  /**
   * Refuse (FrameTooLarge) an update carrying one attribute — a mark's attrs on text, or an
   * element's or map's entry — whose name plus JSON is longer than this many characters. Set for client updates only: what
   * storage already holds is loaded as it is (exports drop oversized attributes instead).
   */
  maxAttributeChars?: number
}

/**
 * Applies an untrusted Yjs V1 update, or throws SyncError(MalformedUpdate) and leaves the doc as it
 * was. Decoding first matters: Y.applyUpdate integrates structs before it reads the delete set, so
 * an update corrupt at its end would otherwise be half-applied, broadcast and stored.
 *
 * Not yet a defence against updates crafted to hang the decoder (yjs#687, V2 only so far): that
 * needs a worker with a watchdog, which compaction has (compaction-worker.ts) and the live receive
 * path does not (see docs/security.md).
 */
export function applyValidatedUpdate(doc: Y.Doc, update: Uint8Array, origin: unknown, limits: UpdateLimits = {}): void {
  if (update.byteLength === 0) throw new SyncError(ErrorCode.MalformedUpdate, 'empty update')
  let decoded: ReturnType<typeof Y.decodeUpdate>
  try {
    decoded = Y.decodeUpdate(update)
  } catch (error) {
    throw new SyncError(ErrorCode.MalformedUpdate, `update could not be decoded: ${errorMessage(error)}`)
  }
  if (limits.maxAttributeChars !== undefined) checkAttributeSizes(decoded.structs, limits.maxAttributeChars)
  try {
    Y.applyUpdate(doc, update, origin)
  } catch (error) {
    throw new SyncError(ErrorCode.MalformedUpdate, `update could not be applied: ${errorMessage(error)}`)
  }
}

/**
 * Attributes are where a crafted update hides a big payload the schema never looks at (a 1 MiB
 * `title` on a link mark, an `onclick` on a paragraph): text content is bounded by the frame size
 * and is what writers write, so only attribute keys and values are measured.
 */
function checkAttributeSizes(structs: ReturnType<typeof Y.decodeUpdate>['structs'], maxChars: number): void {
  for (const struct of structs) {
    if (!(struct instanceof Y.Item)) continue
    const { content } = struct
    let chars = 0
    if (content instanceof Y.ContentFormat) {
      chars = content.key.length + (JSON.stringify(content.value)?.length ?? 0)
    } else if (content instanceof Y.ContentEmbed) {
      // An embed in text is an object, like an attribute: no schema node is made of one.
      chars = JSON.stringify(content.embed)?.length ?? 0
    } else if (content instanceof Y.ContentType && content.type instanceof Y.XmlElement) {
      // An element's name is as free as an attribute (`nodeName` is any string).
      chars = content.type.nodeName.length
    } else if (struct.parentSub !== null) {
      chars = struct.parentSub.length
      if (content instanceof Y.ContentAny || content instanceof Y.ContentJSON) {
        chars += JSON.stringify(content.arr)?.length ?? 0
      } else if (content instanceof Y.ContentString) chars += content.str.length
      else if (content instanceof Y.ContentBinary) chars += content.content.byteLength
    }
    if (chars > maxChars) {
      throw new SyncError(
        ErrorCode.FrameTooLarge,
        `update carries an attribute of ${chars} characters; the limit is ${maxChars} per attribute`,
      )
    }
  }
}
