import { parentPort, type MessagePort } from 'node:worker_threads'
import { errorMessage } from '../../shared/errors.js'

/** What a RequestWorker posts to its thread: a request with the id its reply carries, or the end. */
export type ThreadMessage<Request> = { id: number; request: Request } | { close: true }

/** What the thread answers, once per request id. */
export type ThreadReply = { id: number; value: unknown } | { id: number; error: string }

export interface ServeOptions<Value> {
  /** Releases what the thread holds (a database connection) before it exits. */
  close?: () => void
  /** Buffers of a value to move to the caller rather than copy (a large snapshot). */
  transfer?: (value: Value) => ArrayBuffer[]
}

/**
 * The thread side of RequestWorker (request-worker.ts): answers every request with what `handle`
 * returns (a promise is awaited) or the message of what it throws, and on the close message
 * releases what the thread holds and lets it exit.
 */
export function serveRequests<Request, Value>(
  handle: (request: Request) => Value | Promise<Value>,
  options: ServeOptions<Value> = {},
): void {
  const port = parentPort
  if (!port) throw new Error('serveRequests() runs on a worker thread')
  port.on('message', (message: ThreadMessage<Request>) => {
    if ('close' in message) {
      options.close?.()
      port.close()
      return
    }
    const { id } = message
    try {
      const value = handle(message.request)
      if (value instanceof Promise) {
        value.then(
          (settled: Value) => reply(port, id, settled, options),
          (error: unknown) => replyError(port, id, error),
        )
      } else {
        reply(port, id, value, options)
      }
    } catch (error) {
      replyError(port, id, error)
    }
  })
}

function reply<Value>(port: MessagePort, id: number, value: Value, options: ServeOptions<Value>): void {
  port.postMessage({ id, value } satisfies ThreadReply, options.transfer?.(value) ?? [])
}

function replyError(port: MessagePort, id: number, error: unknown): void {
  port.postMessage({ id, error: errorMessage(error) } satisfies ThreadReply)
}
