import type { DocId } from '../../shared/ids.js'
import { documentChangedEvent } from './webhook-events.js'
import type { WebhookNotifier } from './webhook-notifier.js'

/** A document that was announced less than an interval ago. */
interface Window {
  /** A change committed since the announcement: announce it again when the window ends. */
  hasPending: boolean
  readonly timer: NodeJS.Timeout
}

/**
 * Turns durable commits into document.changed events, at most one per document per interval: the
 * first commit is announced at once, the ones during the following interval are folded into one
 * event at its end (so the last change of a burst is never left unannounced). A commit inside an
 * open window costs one Map lookup and a flag; there is a timer per announcement, none per commit.
 */
export class DocumentChangeNotifier {
  private readonly windows = new Map<DocId, Window>()

  constructor(
    private readonly notifier: WebhookNotifier,
    private readonly intervalMs: number,
  ) {}

  /** Documents with an open window (for tests and metrics). */
  get openWindows(): number {
    return this.windows.size
  }

  /** A change of `docId` is durable. Returns at once. */
  readonly committed = (docId: DocId): void => {
    const window = this.windows.get(docId)
    if (window) {
      window.hasPending = true
      return
    }
    this.announce(docId)
  }

  /** Announces what is pending at once (it is stored, so it did happen) and clears every timer. */
  close(): void {
    for (const [docId, window] of this.windows) {
      clearTimeout(window.timer)
      if (window.hasPending) this.notifier.notify(documentChangedEvent(docId))
    }
    this.windows.clear()
  }

  private announce(docId: DocId): void {
    this.notifier.notify(documentChangedEvent(docId))
    const window: Window = {
      hasPending: false,
      timer: setTimeout(() => {
        this.windows.delete(docId)
        if (window.hasPending) this.announce(docId)
      }, this.intervalMs),
    }
    // Pending announcements never keep a process alive; close() sends them at shutdown.
    window.timer.unref()
    this.windows.set(docId, window)
  }
}
