import { GROUP_COMMIT_MAX_DELAY_MS } from '../../shared/limits.js'

interface Pending<T, R> {
  item: T
  resolve: (result: R) => void
  reject: (error: unknown) => void
}

/**
 * Collects writes made during one event-loop turn and commits them together, so a burst of
 * keystrokes from many clients costs one fsync, not one each. A failed commit rejects every item
 * in its batch: nothing is acknowledged that did not commit.
 */
export class GroupCommitQueue<T, R> {
  private pending: Pending<T, R>[] = []
  private scheduled: NodeJS.Immediate | null = null
  private timer: NodeJS.Timeout | null = null
  private inFlight: Promise<void> = Promise.resolve()

  constructor(
    /** Commits the batch in one transaction; returns one result per item, in order. */
    private readonly commit: (items: T[]) => R[] | Promise<R[]>,
  ) {}

  push(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject })
      if (this.scheduled === null) {
        this.scheduled = setImmediate(() => this.flushNow())
        // setImmediate can starve behind a long I/O phase; the timer bounds the added latency.
        this.timer = setTimeout(() => this.flushNow(), GROUP_COMMIT_MAX_DELAY_MS)
      }
    })
  }

  /** Resolves once everything pushed so far has been committed (or has failed). */
  async flush(): Promise<void> {
    this.flushNow()
    await this.inFlight
  }

  private flushNow(): void {
    if (this.scheduled !== null) clearImmediate(this.scheduled)
    if (this.timer !== null) clearTimeout(this.timer)
    this.scheduled = null
    this.timer = null
    const batch = this.pending
    if (batch.length === 0) return
    this.pending = []
    // Batches commit strictly one after another so seqs and acknowledgements stay in order.
    this.inFlight = this.inFlight.then(async () => {
      try {
        const results = await this.commit(batch.map((p) => p.item))
        batch.forEach((p, i) => p.resolve(results[i] as R))
      } catch (error) {
        for (const p of batch) p.reject(error)
      }
    })
  }
}
