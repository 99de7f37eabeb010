/** Every limit in one place, each with the reason for its default. All are overridable in config. */

/** Ordinary frames: far above any keystroke or paste, far below what could exhaust memory. */
export const MAX_FRAME_BYTES = 2 * 1024 * 1024

/** A client's first SyncStep2 carries everything it made offline, so it may be larger. */
export const MAX_INITIAL_SYNC_BYTES = 16 * 1024 * 1024

/** Above this, a client is not reading: dropping it is safe because it resyncs on reconnect. */
export const MAX_SEND_BUFFER_BYTES = 4 * 1024 * 1024

/** Below typical proxy idle timeouts (60 s), so idle sockets stay open through nginx. */
export const HEARTBEAT_INTERVAL_MS = 30_000

/**
 * Group commit pacing (server/storage/group-commit.ts): under load, commits start at most every
 * interval, each holding every write since the last one; the interval grows from the min towards
 * the max while each commit finds writes waiting, and shrinks when it does not. Delays
 * acknowledgements (never broadcasts) by up to the interval in force.
 */
export const GROUP_COMMIT_MIN_INTERVAL_MS = 10
/** The longest pacing interval: at most 25 commits a second however busy, acknowledgements within 40 ms plus a commit. */
export const GROUP_COMMIT_MAX_INTERVAL_MS = 40

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

/**
 * Each instance reads new token revocations from the database this often, so a revoked token's open
 * connections end within about this long on every instance; one indexed query per instance per tick.
 */
export const REVOCATION_POLL_MS = 5_000

// HTTP fallback transports (SSE + POST, long-poll + POST); see docs/protocol.md.

/** SSE heartbeat: below the smallest common proxy idle timeout (nginx and ALB cut at 60 s). */
export const SSE_HEARTBEAT_MS = 15_000

/**
 * SSE streams are ended after this long (times 0.8–1.0, jittered) and resumed with Last-Event-ID:
 * corporate proxies cut long responses at 5–30 min, and jitter keeps clients from returning together.
 */
export const SSE_MAX_LIFETIME_MS = 5 * 60_000

/** A long-poll is held at most this long: below 30–60 s proxy idle cuts, as Engine.IO does (25 s). */
export const LONG_POLL_HOLD_MS = 25_000

/**
 * A long-poll session is answered at most once per this interval: in a busy document every update
 * would otherwise cost each reader a whole HTTP request (measured: 0.6 requests per delivered
 * update at 50 clients), and the server saturates on request overhead. Quiet sessions are answered
 * at once; only a session polling faster than this waits, and its answer carries several frames.
 */
export const LONG_POLL_MIN_INTERVAL_MS = 20

/**
 * An HTTP session without a stream or poll attached survives this long, so a dropped stream can
 * resume with Last-Event-ID and long-polls may come back between responses.
 */
export const HTTP_SESSION_IDLE_MS = 45_000

/** Frames already written to a stream are kept up to this many bytes for Last-Event-ID replay. */
export const HTTP_REPLAY_BUFFER_BYTES = 1024 * 1024

/** Sessions per server instance: a flood of invented session ids must not exhaust memory. */
export const MAX_HTTP_SESSIONS = 10_000

/** POSTs per second per session (token bucket): typing sends a few; a flood gets 429. */
export const HTTP_POSTS_PER_SECOND = 50

/** Burst allowance for the POST token bucket: a reconnect flushes several batches at once. */
export const HTTP_POST_BURST = 100

/** A POST answers 503 if its updates are not committed by then (storage is failing). */
export const HTTP_POST_COMMIT_TIMEOUT_MS = 15_000

/** Client: a WebSocket counts as working only once the server's first frame arrives within this. */
export const WS_HELLO_DEADLINE_MS = 3_000

/** Client: an SSE stream counts as working only once its `hello` event arrives within this. */
export const SSE_HELLO_DEADLINE_MS = 4_000

/** Client: a stream that delivers no bytes this long (heartbeats come every 15 s) is reconnected. */
export const STREAM_LIVENESS_MS = 35_000

/** Client: a long-poll not answered within this (the server holds 25 s) is retried. */
export const LONG_POLL_CLIENT_TIMEOUT_MS = 40_000

/** Client: a POST not answered within this is retried (duplicates are harmless to Yjs). */
export const HTTP_POST_TIMEOUT_MS = 15_000

/** Client: frames batched into one POST, up to this many bytes (a larger single frame goes alone). */
export const HTTP_POST_BATCH_BYTES = 1024 * 1024

/** Client: first background probe to upgrade back to WebSocket; doubles after each failure... */
export const UPGRADE_PROBE_INITIAL_MS = 60_000

/** ...up to this: a network that blocks WebSockets for good costs one failed probe per 15 min. */
export const UPGRADE_PROBE_MAX_MS = 15 * 60_000

/** Client: after switching rungs the old downlink keeps delivering this long, so nothing in flight is lost. */
export const TRANSPORT_SWITCH_OVERLAP_MS = 2_000

/** Client: a WebSocket that once worked in this tab is retried this many times before HTTP is used. */
export const WS_FAILURES_BEFORE_DEMOTION = 3

/** One user's presence (name, colour, cursor) is small; 4 KiB leaves room and stops abuse. */
export const MAX_AWARENESS_STATE_BYTES = 4 * 1024

/** A stored document beyond this stops accepting changes: far above any real text document. */
export const MAX_DOCUMENT_BYTES = 64 * 1024 * 1024

/** Messages per second per connection, sustained: fast typing plus cursor moves is about 20. */
export const MAX_MESSAGES_PER_SECOND = 50

/** Burst allowance above the sustained message rate (a paste, a reconnect). */
export const MESSAGE_BURST = 200

/** Bytes per second per connection, sustained; the burst allowance is the initial-sync limit. */
export const MAX_BYTES_PER_SECOND = 1024 * 1024

/**
 * Simultaneous connections from one client address, across WebSockets, HTTP sessions and signalling.
 * A school or office shares one NAT address, and each person holds a connection or two per open
 * document: the cap only bounds what one address may hold (the anchor servers have none at all).
 */
export const MAX_CONNECTIONS_PER_ADDRESS = 1000

/**
 * New connections one client address may open per second, sustained, with ten seconds' worth at
 * once (200: a whole office opening the same document at nine): stops connect-and-drop floods
 * without refusing people who share an address.
 */
export const CONNECTION_ATTEMPTS_PER_SECOND = 20

/**
 * CPU milliseconds a connection may spend applying updates in a burst, and per second sustained.
 * Some tiny crafted V1 updates cost 100-200 ms each to apply (measured); a client that keeps
 * sending them is cut off before it can monopolise the event loop.
 */
export const APPLY_BUDGET_BURST_MS = 1_000
export const APPLY_BUDGET_MS_PER_SECOND = 250

/** An update taking longer than this to apply is logged with its size, for investigation. */
export const SLOW_APPLY_MS = 50

/** A version is recorded once editing has paused this long... */
export const VERSION_IDLE_MS = 30_000

/** ...and at least this often while editing goes on without a pause. */
export const VERSION_MAX_INTERVAL_MS = 5 * 60_000

/**
 * Retention of automatic versions (named ones are kept forever): every one for a day, then the
 * newest per hour for a month, then the newest per day.
 */
export const VERSION_KEEP_ALL_MS = 24 * 60 * 60_000
export const VERSION_KEEP_HOURLY_MS = 30 * 24 * 60 * 60_000

// WebRTC signalling and presence (/signal); see docs/protocol.md, "Presence over WebRTC".

/** One signalling message: an SDP offer with its candidates is 2-6 KiB, so 16 KiB fits any real one. */
export const MAX_SIGNAL_MESSAGE_BYTES = 16 * 1024

/**
 * Signalling messages per second per connection, sustained: a connection set-up costs about 8 and
 * relayed presence (throttled below) at most 12.5 per second; a flood is cut off.
 */
export const SIGNAL_MESSAGES_PER_SECOND = 20

/** Burst above the sustained rate: joining a room of 10 peers sends one offer and a few candidates each. */
export const SIGNAL_MESSAGE_BURST = 100

/** Topics (documents) one signalling connection may join: an editor shows one document, a few tabs share a socket. */
export const MAX_TOPICS_PER_CONNECTION = 10

/** Peers in one topic: a full mesh beyond this costs each browser more than the server relay saves. */
export const MAX_PEERS_PER_TOPIC = 100

/** Peer ids are y-webrtc's uuids (36 characters); anything much longer is not a peer id. */
export const MAX_PEER_ID_LENGTH = 64

/**
 * Server: awareness changes arriving within this window go out as one merged frame per room
 * (docs/operations.md, "Presence at scale"). 50 ms is under what the eye reads as lag for a
 * remote caret and turns 100 cursors at 2 Hz (200 changes a second) into at most 20 frames a
 * second per client instead of 200; the first change after a quiet window is sent at once.
 */
export const AWARENESS_TICK_MS = 50

/**
 * Server: a room's presence tick grows with its size beyond this many connections, in proportion,
 * up to PRESENCE_TICK_MAX_FACTOR times AWARENESS_TICK_MS (docs/operations.md, "Presence at scale").
 * Every tick costs one send per client, so sends per second grow with the room, not its square:
 * 100 clients at 2 Hz cost half the sends at a 100 ms tick (measured: bench/RESULTS.md, run J, and
 * the tick comparison of bench:presence-scale), and 10 updates a second, glided by the client
 * (client/editor/caret-glide.ts), still read as continuous movement.
 */
export const PRESENCE_TICK_ROOM_SIZE = 50
export const PRESENCE_TICK_MAX_FACTOR = 2

/** Client: local presence is sent at most this often (Liveblocks uses 100 ms; cursors look smooth at 80). */
export const PRESENCE_THROTTLE_MS = 80

/**
 * Client: a peer connection whose data channel is not open after this long is closed and the peer
 * is served by the relay: a connection without a candidate pair otherwise stays `new` forever.
 */
export const PEER_CONNECT_TIMEOUT_MS = 10_000

/** Client: after a failed or timed-out peer connection, wait this long before trying that peer again. */
export const PEER_RETRY_DELAY_MS = 30_000

/**
 * Client (`auto` and `webrtc` presence): a room (signalling topic) of more peers than this drops
 * its data channels and every peer's presence goes through the server instead (the sync socket's
 * coalesced awareness in `auto`, the signalling relay in `webrtc`); it returns to the mesh once it
 * is back to meshReturnSize(limit), 6 for 8 (client/presence/mesh-limit.ts). Measured in Debian
 * Chromium (bench/RESULTS.md, "Mesh or relay"): up to 8 peers the mesh costs the browsers about
 * what the relay costs the server and carets arrive 5–9× sooner; at 12 it costs the browsers six
 * times what the relay costs the server.
 */
export const MESH_PEER_LIMIT = 8

/** Comment threads one document may hold (MAX_THREADS_PER_DOCUMENT); the next is refused with 413. */
export const MAX_THREADS_PER_DOCUMENT = 1_000

/** Comments (the opening one included) one thread may hold (MAX_COMMENTS_PER_THREAD); the next is refused with 413. */
export const MAX_COMMENTS_PER_THREAD = 500

/**
 * Comments (threads, replies and edits) one author may write per minute, as a token bucket of this
 * size refilled over a minute (COMMENTS_PER_MINUTE); beyond it, 429.
 */
export const COMMENTS_PER_MINUTE = 60

/**
 * The longest URL a document may hold (link `href`, image `src`). Real links are far shorter; a
 * longer one is dropped by the URL policy (shared/url-policy.ts) rather than stored or exported.
 */
export const MAX_URL_LENGTH = 8 * 1024

/**
 * The largest single attribute (a mark's or an element's, name plus JSON-encoded value, in UTF-16
 * characters) a client update may carry. The schema's attributes (href, title, heading level,
 * column widths…) are far smaller; a bigger one only comes from a crafted update, which is refused
 * like an oversized frame, and exports drop any that storage already holds.
 */
export const MAX_ATTRIBUTE_CHARS = 32 * 1024

/**
 * The largest file one upload may carry (MAX_UPLOAD_BYTES); a bigger body is refused with 413 as
 * soon as it passes this, never buffered whole. 10 MiB holds any screenshot and most photos.
 */
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024

/**
 * An uploaded image's largest side and pixel count, read from its header. A few kilobytes of PNG
 * can claim 100,000 × 100,000 pixels, which a browser decoding it would try to allocate (40 GB):
 * a decompression bomb. Real photos stay far below (a 50-megapixel camera: 8,700 × 5,800).
 */
export const MAX_IMAGE_SIDE_PX = 20_000
export const MAX_IMAGE_PIXELS = 100_000_000

/**
 * Uploads one author (or, without a verified name, one address) may make per minute, as a token
 * bucket of this size refilled over a minute; beyond it, 429. A paste of many screenshots fits.
 */
export const UPLOADS_PER_MINUTE = 30

// Webhooks (WEBHOOK_URL); see docs/operations.md, "Webhooks". Only the interval of document.changed
// is an operator setting; the rest are overridable through `createServer({ webhooks })` for tests
// and unusual receivers.

/** document.changed at most once per document per this: a receiver wants "someone is writing", not every keystroke. */
export const WEBHOOK_DOCUMENT_CHANGED_INTERVAL_MS = 60_000

/** A receiver that has not answered in this long counts as failed (and is retried): it must not hold a slot forever. */
export const WEBHOOK_TIMEOUT_MS = 10_000

/** Attempts per event, the first included: with the backoff below, a receiver may be away about 4 minutes (8½ at most). */
export const WEBHOOK_MAX_ATTEMPTS = 10

/** Ceiling of the first retry's jittered wait; it doubles per attempt up to WEBHOOK_RETRY_MAX_MS. */
export const WEBHOOK_RETRY_BASE_MS = 1_000

/** Longest wait between two attempts, so a recovered receiver hears from us within minutes. */
export const WEBHOOK_RETRY_MAX_MS = 5 * 60_000

/**
 * Events waiting for delivery (retries included). Memory, not the receiver, sets the bound: a full
 * queue drops its oldest event (logged, counted in tandem_webhook_dropped_total) rather than grow.
 */
export const WEBHOOK_MAX_QUEUED_EVENTS = 1_000

/** Requests in flight at once: enough to drain a burst, few enough not to flood a small receiver. */
export const WEBHOOK_CONCURRENCY = 4

/** At shutdown, queued events get one more try within this; what is left after it is dropped (logged). */
export const WEBHOOK_SHUTDOWN_FLUSH_MS = 2_000

/** Receivers should refuse signatures older than this (replay); the verification snippet uses it. */
export const WEBHOOK_SIGNATURE_TOLERANCE_SECONDS = 300

/** As for AUTH_SECRET: a short HMAC key can be guessed offline from one signed body. */
export const MIN_WEBHOOK_SECRET_LENGTH = 32

/** Repeated "queue full" warnings are folded into one line per this, with the number dropped. */
export const WEBHOOK_DROP_LOG_INTERVAL_MS = 10_000
