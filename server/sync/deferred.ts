/** A promise with its settle functions, for work that completes somewhere else than it starts. */
export interface Deferred {
  promise: Promise<void>
  resolve: () => void
  reject: (error: unknown) => void
}

/**
 * A rejection is handled where the failure happened (the room closes and its clients resend);
 * whoever waits on the promise just never proceeds, so it must not count as unhandled.
 */
export function deferred(): Deferred {
  let resolve!: () => void
  let reject!: (error: unknown) => void
  const promise = new Promise<void>((res, rej) => {
    resolve = res
    reject = rej
  })
  promise.catch(() => undefined)
  return { promise, resolve, reject }
}
