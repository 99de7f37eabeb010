interface Pending<T, R> {
  item: T
  resolve: (result: R) => void
  reject: (error: unknown) => void
}

export interface GroupCommitOptions {
  /**
   * Commit pacing: a commit starts no sooner than the current interval after the previous one
   * started. A quiet server commits at the end of the turn as before (its last commit is older than
   * any interval); a busy one gathers writes into each commit instead of paying a transaction, an
   * fsync and the writer thread's wake-ups per keystroke (PostgreSQL's commit_delay does the same).
   * Only acknowledgements wait for it; broadcasts never do.
   *
   * The interval adapts between these two: it doubles each time a commit starts with writes that
   * had to wait (for the interval, or for the commit before it: the server is busy), and halves
   * each time one starts on writes that came after the interval had passed. So a
   * busy server pays at most 1000 / maxIntervalMs commits a second whatever the update rate, and an
   * acknowledgement waits at most maxIntervalMs plus a commit. Equal values: fixed pacing.
   */
  minIntervalMs?: number
  /** The longest interval (default: minIntervalMs). */
  maxIntervalMs?: number
}

/**
 * Collects writes and commits them together, so a burst of keystrokes from many clients costs one
 * fsync, not one each. A batch closes at the end of the event-loop turn, or when the pacing
 * interval allows; while a commit is in flight, everything pushed meanwhile waits and goes in the
 * next one, so a slow disk makes batches larger rather than the queue longer. A failed commit
 * rejects every item in its batch: nothing is acknowledged that did not commit.
 */
export class GroupCommitQueue<T, R> {
  private pending: Pending<T, R>[] = []
  private scheduled: NodeJS.Immediate | null = null
  private timer: NodeJS.Timeout | null = null
  private inFlight: Promise<void> | null = null
  private lastStartedAt = Number.NEGATIVE_INFINITY
  private readonly minIntervalMs: number
  private readonly maxIntervalMs: number
  /** The pacing interval now, between min and max (see GroupCommitOptions). */
  private intervalMs: number
  /** Some write of the next batch waited for the interval or for the commit in flight. */
  private hasWaited = false

  constructor(
    /** Commits the batch in one transaction; returns one result per item, in order. */
    private readonly commit: (items: T[]) => R[] | Promise<R[]>,
    options: GroupCommitOptions = {},
  ) {
    this.minIntervalMs = options.minIntervalMs ?? 0
    this.maxIntervalMs = Math.max(this.minIntervalMs, options.maxIntervalMs ?? this.minIntervalMs)
    this.intervalMs = this.minIntervalMs
  }

  /** The pacing interval in force, in ms (for tests and metrics). */
  get currentIntervalMs(): number {
    return this.intervalMs
  }

  push(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject })
      this.schedule()
    })
  }

  /** Resolves once everything pushed so far has been committed (or has failed); skips the pacing wait. */
  async flush(): Promise<void> {
    this.flushNow()
    while (this.inFlight) {
      await this.inFlight
      this.flushNow()
    }
  }

  /** Nothing to do while a commit is in flight: its end starts the next one. */
  private schedule(): void {
    if (this.inFlight !== null || this.timer !== null) this.hasWaited = true
    if (this.scheduled !== null || this.timer !== null || this.inFlight !== null) return
    const waitMs = this.lastStartedAt + this.intervalMs - performance.now()
    if (waitMs <= 0) {
      this.scheduled = setImmediate(this.flushNow)
    } else {
      this.hasWaited = true
      this.timer = setTimeout(this.flushNow, waitMs)
    }
  }

  private readonly flushNow = (): void => {
    if (this.scheduled !== null) clearImmediate(this.scheduled)
    if (this.timer !== null) clearTimeout(this.timer)
    this.scheduled = null
    this.timer = null
    // One commit at a time keeps seqs and acknowledgements in order; the one in flight starts the next.
    if (this.inFlight || this.pending.length === 0) return
    const batch = this.pending
    this.pending = []
    this.adapt(this.hasWaited)
    this.hasWaited = false
    this.lastStartedAt = performance.now()
    this.inFlight = this.commitBatch(batch).finally(() => {
      this.inFlight = null
      if (this.pending.length > 0) this.schedule()
    })
  }

  /** Longer while writes keep waiting for their commit, shorter when they stop (GroupCommitOptions). */
  private adapt(isBusy: boolean): void {
    const next = isBusy ? Math.max(this.intervalMs * 2, 1) : this.intervalMs / 2
    this.intervalMs = Math.min(this.maxIntervalMs, Math.max(this.minIntervalMs, next))
  }

  private async commitBatch(batch: Pending<T, R>[]): Promise<void> {
    try {
      const results = await this.commit(batch.map((p) => p.item))
      batch.forEach((p, i) => p.resolve(results[i] as R))
    } catch (error) {
      for (const p of batch) p.reject(error)
    }
  }
}
