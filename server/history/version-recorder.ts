import type { Logger } from '../logger.js'
import type { DocRoom } from '../sync/doc-room.js'
import { RemoteOrigin, StorageOrigin } from '../sync/origins.js'
import { AttributionTracker, type Attribution } from './attribution.js'

export interface RecorderTiming {
  /** Record once editing has paused this long... */
  idleMs: number
  /** ...or when this long has passed since the first unrecorded change. */
  maxIntervalMs: number
}

/** Stores a version of the room: its state now, under `name`, with who edited since the last one. */
export type SaveVersion = (
  room: DocRoom,
  name: string | null,
  authors: string[],
  /** Who inserted and deleted what since the last version (attribution.ts). */
  attribution: Attribution,
) => Promise<unknown>

/**
 * Watches one open room and decides when its state becomes a version: after a burst of editing
 * settles, at most `maxIntervalMs` apart while editing goes on, and when the room unloads. It
 * remembers who edited since the last version, and who inserted and deleted what.
 * Storing is delegated to `save`.
 */
export class VersionRecorder {
  private authors = new Set<string>()
  private firstChangeAt: number | null = null
  private lastChangeAt = 0
  /** One timer per burst, re-armed when it fires early: no timer churn per keystroke. */
  private idleTimer: NodeJS.Timeout | null = null
  private saving: Promise<unknown> = Promise.resolve()
  private readonly attribution: AttributionTracker

  constructor(
    private readonly room: DocRoom,
    private readonly timing: RecorderTiming,
    private readonly save: SaveVersion,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    room.onUpdate(this.onUpdate)
    // Loads from storage are not edits; changes from other instances are attributed where they were made.
    this.attribution = new AttributionTracker(
      room.doc,
      (origin) => (origin === StorageOrigin || origin === RemoteOrigin ? null : room.authorOf(origin)),
      (origin) => room.authorColorOf(origin),
    )
  }

  /** Who inserted and deleted what since the last version: for comparing a version with now. */
  get unrecordedAttribution(): Attribution {
    return this.attribution.peek()
  }

  get hasUnrecordedChanges(): boolean {
    return this.firstChangeAt !== null
  }

  /** Records the current state now (named, or automatic when `name` is null) and starts afresh. */
  async recordNow(name: string | null): Promise<unknown> {
    this.clearIdleTimer()
    const authors = [...this.authors]
    this.authors = new Set()
    this.firstChangeAt = null
    // The attribution is taken when the save starts, with the state it describes.
    this.saving = this.saving.then(() => this.save(this.room, name, authors, this.attribution.take()))
    return this.saving
  }

  /** Records pending changes (the room is about to unload) and stops watching. */
  async stop(): Promise<void> {
    this.room.offUpdate(this.onUpdate)
    if (this.hasUnrecordedChanges) await this.recordNow(null).catch(() => undefined)
    this.clearIdleTimer()
    this.attribution.stop()
    await this.saving.catch(() => undefined)
  }

  private readonly onUpdate = (_update: Uint8Array, origin: unknown): void => {
    // Loads from storage are not edits; changes from other instances are recorded where they were made.
    if (origin === StorageOrigin || origin === RemoteOrigin) return
    this.authors.add(this.room.authorOf(origin))
    const now = this.now()
    this.firstChangeAt ??= now
    this.lastChangeAt = now
    if (now - this.firstChangeAt >= this.timing.maxIntervalMs) {
      this.record()
      return
    }
    if (!this.idleTimer) this.armIdleTimer(this.timing.idleMs)
  }

  private armIdleTimer(delayMs: number): void {
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null
      const quietFor = this.now() - this.lastChangeAt
      if (quietFor >= this.timing.idleMs) this.record()
      else this.armIdleTimer(this.timing.idleMs - quietFor)
    }, delayMs)
    this.idleTimer.unref()
  }

  private record(): void {
    this.recordNow(null).catch((error: unknown) =>
      this.log.error({ docId: this.room.docId, err: error }, 'recording a version failed'),
    )
  }

  private clearIdleTimer(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer)
    this.idleTimer = null
  }
}
