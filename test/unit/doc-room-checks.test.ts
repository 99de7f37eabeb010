import * as encoding from 'lib0/encoding'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { ErrorCode, SyncError } from '../../shared/errors.js'
import type { DocId } from '../../shared/ids.js'
import { MessageType, SyncMessageType } from '../../shared/protocol/message-type.js'
import type { Connection } from '../../server/sync/connection.js'
import { openTestRoom } from '../helpers/room-harness.js'

class SilentConnection implements Connection {
  readonly id = 'checks-1'
  readonly transport = 'websocket' as const
  readonly wantsAcks = false
  readonly wantsThreads = false
  send(): void {}
  close(): void {}
}

describe('DocRoom: frame checks', () => {
  it('refuses a frame whose update length runs past its end, though the buffer goes on', async () => {
    const { room } = await openTestRoom('checks' as DocId)
    const client = new SilentConnection()
    room.join(client)
    const writer = new Y.Doc()
    writer.getText('t').insert(0, 'from the next frame')
    const update = Y.encodeStateAsUpdate(writer)
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, MessageType.Sync)
    encoding.writeVarUint(encoder, SyncMessageType.Update)
    encoding.writeVarUint(encoder, update.byteLength)
    const header = encoding.toUint8Array(encoder)
    // As ws hands frames over: a view into the chunk it read (here followed by a whole valid update),
    // so the bytes a lying length points at exist; they must not be read.
    const chunk = new Uint8Array([...header, ...update])
    const frame = chunk.subarray(0, header.byteLength)
    let thrown: unknown
    try {
      room.receive(client, frame)
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(SyncError)
    expect((thrown as SyncError).code).toBe(ErrorCode.MalformedFrame)
    expect(room.doc.getText('t').toString()).toBe('')
    room.destroy()
  })
})
