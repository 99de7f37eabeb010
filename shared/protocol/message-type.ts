/**
 * First varuint of every frame. 0–3 are the standard y-websocket types; 100+ are Tandem's own and
 * are sent only to clients that asked for them (stock y-websocket logs unknown types as errors).
 */
export const MessageType = {
  Sync: 0,
  Awareness: 1,
  /** y-websocket's permission-denied message; server → client only. */
  Auth: 2,
  QueryAwareness: 3,
  /** Server → client: "your first N update-bearing frames on this connection are durable". */
  Ack: 100,
  /** Client → server: a fresh token (varstring) replacing the one the connection opened with. */
  RefreshToken: 101,
  /** Server → client: a comment thread event (shared/protocol/thread-frame.ts), to clients that asked. */
  Threads: 102,
} as const
export type MessageType = (typeof MessageType)[keyof typeof MessageType]

/** y-protocols sync sub-types. */
export const SyncMessageType = {
  Step1: 0,
  Step2: 1,
  Update: 2,
} as const
export type SyncMessageType = (typeof SyncMessageType)[keyof typeof SyncMessageType]

/** y-protocols auth sub-types (the varuint after `MessageType.Auth`). */
export const AuthMessageType = {
  /** A view-only client's change was refused; a varstring reason follows. The connection stays open. */
  PermissionDenied: 0,
} as const
export type AuthMessageType = (typeof AuthMessageType)[keyof typeof AuthMessageType]

/** Query parameter a client sets (`?acks=1`) to receive Ack frames. */
export const ACKS_QUERY_PARAM = 'acks'

/** Query parameter a client sets (`?threads=1`) to receive Threads frames (comments, live). */
export const THREADS_QUERY_PARAM = 'threads'

/**
 * Query parameter with the user's display name, as the client chose it. Unverified: used only to
 * name authors in version history when no token names the user.
 */
export const NAME_QUERY_PARAM = 'name'

/** Query parameter carrying the token where headers cannot (WebSocket, EventSource). */
export const TOKEN_QUERY_PARAM = 'token'
