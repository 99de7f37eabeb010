import { isSyncStep1Frame, isUpdateBearingFrame } from '../../shared/protocol/frames.js'
import { TransportKind } from '../../shared/protocol/transport-kind.js'
import type { Transport, TransportSocketClass } from './transport.js'

/**
 * The browser's WebSocket, counting update-bearing frames out and Acks in. The class is created on
 * demand rather than at module load, because during server-side rendering `WebSocket` may not exist.
 */
export const websocketTransport: Transport = {
  kind: TransportKind.WebSocket,
  socketClass(onActivity: () => void): TransportSocketClass {
    return class CountingWebSocket extends WebSocket {
      updateFramesSent = 0
      updateFramesAcked = 0
      hasReceivedMessage = false
      hasReceivedSyncStep1 = false

      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols)
        // y-websocket owns `onmessage`; a listener of our own sees the same frames without replacing it.
        this.addEventListener('message', (event: MessageEvent) => {
          const wasFirst = !this.hasReceivedMessage
          this.hasReceivedMessage = true
          let isFirstSyncStep1 = false
          if (event.data instanceof ArrayBuffer && !this.hasReceivedSyncStep1) {
            isFirstSyncStep1 = isSyncStep1Frame(new Uint8Array(event.data, 0, Math.min(2, event.data.byteLength)))
            this.hasReceivedSyncStep1 = isFirstSyncStep1
          }
          // Only the transitions matter to the status; other frames are the document's business.
          if (wasFirst || isFirstSyncStep1) onActivity()
        })
      }

      override send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
        if (this.readyState !== WebSocket.OPEN) return
        super.send(data as ArrayBufferView<ArrayBuffer>)
        if (data instanceof Uint8Array && isUpdateBearingFrame(data)) {
          this.updateFramesSent++
          onActivity()
        }
      }

      acknowledge(count: number): void {
        if (count <= this.updateFramesAcked) return
        this.updateFramesAcked = count
        onActivity()
      }
    }
  },
}
