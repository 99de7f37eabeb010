import * as Y from 'yjs'
import { ErrorCode, errorMessage, SyncError } from '../../shared/errors.js'

/**
 * Applies an untrusted Yjs V1 update, or throws SyncError(MalformedUpdate) and leaves the doc as it
 * was. Decoding first matters: Y.applyUpdate integrates structs before it reads the delete set, so
 * an update corrupt at its end would otherwise be half-applied, broadcast and stored.
 *
 * Not yet a defence against updates crafted to hang the decoder (yjs#687, V2 only so far): that
 * needs a worker with a watchdog, which compaction has (compaction-worker.ts) and the live receive
 * path does not (see docs/security.md).
 */
export function applyValidatedUpdate(doc: Y.Doc, update: Uint8Array, origin: unknown): void {
  if (update.byteLength === 0) throw new SyncError(ErrorCode.MalformedUpdate, 'empty update')
  try {
    Y.decodeUpdate(update)
  } catch (error) {
    throw new SyncError(ErrorCode.MalformedUpdate, `update could not be decoded: ${errorMessage(error)}`)
  }
  try {
    Y.applyUpdate(doc, update, origin)
  } catch (error) {
    throw new SyncError(ErrorCode.MalformedUpdate, `update could not be applied: ${errorMessage(error)}`)
  }
}
