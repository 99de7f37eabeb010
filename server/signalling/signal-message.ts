import { ErrorCode, SyncError } from '../../shared/errors.js'
import { MAX_PEER_ID_LENGTH, MAX_PEERS_PER_TOPIC, MAX_TOPICS_PER_CONNECTION } from '../../shared/limits.js'

/**
 * One client→server signalling message, validated and copied field by field out of untrusted JSON.
 * Shapes follow y-webrtc 10.3 (subscribe / unsubscribe / publish / ping) plus Tandem's presence
 * relay (`awareness`); nothing from the wire is ever spread or relayed as-is.
 */
export type SignalMessage =
  | { kind: 'subscribe'; topics: string[] }
  | { kind: 'unsubscribe'; topics: string[] }
  | { kind: 'publish'; topic: string; data: PublishData }
  | { kind: 'ping' }
  /** Well-formed JSON the server does not act on (an unknown type, a field of the wrong type). */
  | { kind: 'ignored'; reason: string }

/** The `data` of a publish. */
export type PublishData =
  /** y-webrtc with a `password`: AES-GCM ciphertext (base64) the server cannot read, fanned out. */
  | { type: 'encrypted'; payload: string }
  /**
   * "I am here": receivers may connect to `from` (only to `to` when given). Tandem's clients add
   * `mesh` (whether the sender's room is within its mesh limit) so a peer that has just joined
   * learns the room's state; stock clients ignore it.
   */
  | { type: 'announce'; from: string; to: string | undefined; mesh: boolean | undefined }
  /** WebRTC negotiation for one peer. */
  | { type: 'signal'; from: string; to: string; token: number | undefined; signal: SignalPayload }
  /** Tandem's relay: one awareness update (base64) for the peers without an open data channel. */
  | { type: 'awareness'; from: string; to: string[]; update: string }

/** simple-peer's signal shapes (and our own client's): offer/answer, trickle candidate, renegotiate. */
export type SignalPayload =
  | { type: 'offer' | 'answer'; sdp: string }
  | {
      type: 'candidate'
      candidate: { candidate: string; sdpMLineIndex: number | null; sdpMid: string | null; usernameFragment?: string }
    }
  | { type: 'renegotiate'; renegotiate: true }

const PEER_ID_PATTERN = /^[A-Za-z0-9_-]+$/
/** Base64 (standard alphabet, padded) of an awareness update. */
const BASE64_PATTERN = /^[A-Za-z0-9+/]*={0,2}$/

/**
 * Parses one text frame. Throws SyncError(MalformedFrame) when it is not a JSON object (the
 * connection is then closed); returns `ignored` for JSON the server has no use for.
 */
export function parseSignalMessage(text: string): SignalMessage {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new SyncError(ErrorCode.MalformedFrame, 'signalling messages are JSON text')
  }
  if (!isRecord(value)) throw new SyncError(ErrorCode.MalformedFrame, 'a signalling message is a JSON object')
  const type = value.type
  switch (type) {
    case 'subscribe':
    case 'unsubscribe': {
      const topics = value.topics
      if (topics === undefined) return { kind: type, topics: [] }
      if (!Array.isArray(topics)) return ignored('topics is not an array')
      // A client names each of its rooms once; more than the cap in one message is abuse, not use.
      if (topics.length > MAX_TOPICS_PER_CONNECTION) {
        throw new SyncError(ErrorCode.BadRequest, `at most ${MAX_TOPICS_PER_CONNECTION} topics per connection`)
      }
      // Non-string topics are skipped, as y-webrtc's server does.
      return { kind: type, topics: [...new Set(topics.filter((topic): topic is string => typeof topic === 'string'))] }
    }
    case 'publish': {
      if (typeof value.topic !== 'string') return ignored('publish without a string topic')
      const data = parsePublishData(value.data)
      return typeof data === 'string' ? ignored(data) : { kind: 'publish', topic: value.topic, data }
    }
    case 'ping':
      return { kind: 'ping' }
    default:
      return ignored('unknown message type')
  }
}

/** The data of a publish, or why it was dropped. */
function parsePublishData(data: unknown): PublishData | string {
  if (typeof data === 'string') return data.length > 0 ? { type: 'encrypted', payload: data } : 'empty data'
  if (!isRecord(data)) return 'data is not an object'
  const from = data.from
  if (!isPeerId(from)) return 'from is not a peer id'
  switch (data.type) {
    case 'announce': {
      if (data.to !== undefined && !isPeerId(data.to)) return 'to is not a peer id'
      return { type: 'announce', from, to: data.to, mesh: typeof data.mesh === 'boolean' ? data.mesh : undefined }
    }
    case 'signal': {
      if (!isPeerId(data.to)) return 'to is not a peer id'
      const token = data.token
      if (token !== undefined && (typeof token !== 'number' || !Number.isFinite(token))) return 'token is not a number'
      const signal = parseSignalPayload(data.signal)
      if (signal === null) return 'unsupported signal'
      return { type: 'signal', from, to: data.to, token, signal }
    }
    case 'awareness': {
      const to = data.to
      if (!Array.isArray(to) || to.length === 0 || to.length > MAX_PEERS_PER_TOPIC) return 'to is not a list of peers'
      if (!to.every(isPeerId)) return 'to is not a list of peer ids'
      const update = data.update
      if (typeof update !== 'string' || update.length === 0 || !BASE64_PATTERN.test(update)) {
        return 'update is not base64'
      }
      return { type: 'awareness', from, to: [...new Set(to)], update }
    }
    default:
      return 'unknown data type'
  }
}

function parseSignalPayload(signal: unknown): SignalPayload | null {
  if (!isRecord(signal)) return null
  switch (signal.type) {
    case 'offer':
    case 'answer':
      return typeof signal.sdp === 'string' ? { type: signal.type, sdp: signal.sdp } : null
    case 'candidate': {
      const candidate = signal.candidate
      if (!isRecord(candidate) || typeof candidate.candidate !== 'string') return null
      const { sdpMLineIndex, sdpMid, usernameFragment } = candidate
      if (sdpMLineIndex !== undefined && sdpMLineIndex !== null && !Number.isInteger(sdpMLineIndex)) return null
      if (sdpMid !== undefined && sdpMid !== null && typeof sdpMid !== 'string') return null
      if (usernameFragment !== undefined && usernameFragment !== null && typeof usernameFragment !== 'string') {
        return null
      }
      return {
        type: 'candidate',
        candidate: {
          candidate: candidate.candidate,
          sdpMLineIndex: typeof sdpMLineIndex === 'number' ? sdpMLineIndex : null,
          sdpMid: typeof sdpMid === 'string' ? sdpMid : null,
          ...(typeof usernameFragment === 'string' && { usernameFragment }),
        },
      }
    }
    case 'renegotiate':
      return { type: 'renegotiate', renegotiate: true }
    default:
      return null
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function isPeerId(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_PEER_ID_LENGTH && PEER_ID_PATTERN.test(value)
}

function ignored(reason: string): SignalMessage {
  return { kind: 'ignored', reason }
}
