/** Every limit in one place, each with the reason for its default. All are overridable in config. */

/** Ordinary frames: far above any keystroke or paste, far below what could exhaust memory. */
export const MAX_FRAME_BYTES = 2 * 1024 * 1024

/** A client's first SyncStep2 carries everything it made offline, so it may be larger. */
export const MAX_INITIAL_SYNC_BYTES = 16 * 1024 * 1024

/** Above this, a client is not reading: dropping it is safe because it resyncs on reconnect. */
export const MAX_SEND_BUFFER_BYTES = 4 * 1024 * 1024

/** Below typical proxy idle timeouts (60 s), so idle sockets stay open through nginx. */
export const HEARTBEAT_INTERVAL_MS = 30_000

/** Group commit: one transaction per event-loop turn, but never wait longer than this. */
export const GROUP_COMMIT_MAX_DELAY_MS = 5

/** Compact when the log holds this many rows (as y-leveldb does)... */
export const COMPACT_AFTER_ROWS = 500

/** ...or this many bytes, whichever comes first: bytes bound load time better than counts. */
export const COMPACT_AFTER_BYTES = 1024 * 1024

/** A room with no clients stays loaded this long, so a reload or quick reconnect is free. */
export const ROOM_UNLOAD_DELAY_MS = 2_000

/** Messages that arrive while a room loads are held, up to this many bytes per connection. */
export const MAX_PENDING_BYTES_BEFORE_LOAD = 16 * 1024 * 1024

/** Shutdown waits this long for commits in flight before giving up (and logging it). */
export const SHUTDOWN_DEADLINE_MS = 10_000
