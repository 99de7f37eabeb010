import { TransportKind } from '../../shared/protocol/transport-kind.js'

/** sessionStorage's shape; a Map-backed stand-in is used where there is none (Node, sandboxed frames). */
export interface StorageLike {
  /** The value stored under `key`, or null. */
  getItem(key: string): string | null
  /** Stores `value` under `key`; may throw (storage full or disabled). */
  setItem(key: string, value: string): void
}

/** What is kept per tab and server. */
interface Remembered {
  /** The transport that worked last. */
  rung: TransportKind
  /** A WebSocket worked in this tab: its failures are first taken for drops, not blocks. */
  hasWorkingWebSocket: boolean
  /** WebSocket attempts that failed since it last worked. */
  wsFailures: number
}

const STORAGE_PREFIX = 'tandem:transport:'
const memoryStorage = new Map<string, string>()

/** Where a tab remembers transports when it has no sessionStorage: this page's memory. */
export const pageStorage: StorageLike = {
  getItem: (key) => memoryStorage.get(key) ?? null,
  setItem: (key, value) => void memoryStorage.set(key, value),
}

/**
 * What worked, per tab and server (`tandem:transport:<host>` in sessionStorage), so the next
 * connection starts on the rung that worked instead of waiting for WebSocket to fail again, and
 * so a WebSocket that worked and then failed is taken for a drop first. Storage that throws or
 * holds garbage is treated as empty: the socket still works, it just starts from the top.
 */
export class TransportMemory {
  private readonly key: string

  constructor(
    private readonly storage: StorageLike | null,
    /** The server's `host:port`. */
    serverHost: string,
  ) {
    this.key = `${STORAGE_PREFIX}${serverHost}`
  }

  /** The transport that worked last in this tab, or null. */
  lastWorking(): TransportKind | null {
    return this.read()?.rung ?? null
  }

  /**
   * Counts one failed WebSocket attempt, when a WebSocket worked in this tab before; returns the
   * failures in a row since it last worked, or null when none ever worked (nothing counted).
   */
  countWebSocketFailure(): number | null {
    const remembered = this.read()
    if (!remembered?.hasWorkingWebSocket) return null
    const failures = remembered.wsFailures + 1
    this.write({ ...remembered, wsFailures: failures })
    return failures
  }

  /** Records that `kind` delivers now (a WebSocket that works clears its failures). */
  rememberWorking(kind: TransportKind): void {
    const previous = this.read()
    const isWebSocket = kind === TransportKind.WebSocket
    this.write({
      rung: kind,
      hasWorkingWebSocket: isWebSocket || (previous?.hasWorkingWebSocket ?? false),
      wsFailures: isWebSocket ? 0 : (previous?.wsFailures ?? 0),
    })
  }

  private read(): Remembered | null {
    if (!this.storage) return null
    try {
      const value = this.storage.getItem(this.key)
      return value ? (JSON.parse(value) as Remembered) : null
    } catch {
      return null
    }
  }

  private write(value: Remembered): void {
    try {
      this.storage?.setItem(this.key, JSON.stringify(value))
    } catch {
      // storage full or disabled: this socket still works, the next one starts from the top
    }
  }
}
