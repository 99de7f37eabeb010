import { createHmac, timingSafeEqual } from 'node:crypto'
import { MIN_WEBHOOK_SECRET_LENGTH, WEBHOOK_SIGNATURE_TOLERANCE_SECONDS } from '../../shared/limits.js'

/**
 * The header that signs a delivery: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`
 * keyed with WEBHOOK_SECRET. The timestamp is inside the MAC so a captured delivery cannot be
 * replayed later with a fresh one; receivers refuse old timestamps (docs/operations.md, "Webhooks").
 */
export const WEBHOOK_SIGNATURE_HEADER = 'Tandem-Signature'

export function checkWebhookSecret(secret: string): void {
  if (secret.length < MIN_WEBHOOK_SECRET_LENGTH) {
    throw new Error(`WEBHOOK_SECRET must be at least ${MIN_WEBHOOK_SECRET_LENGTH} characters (openssl rand -base64 32)`)
  }
}

/** The header value for `body` sent at `timestampSeconds`; each attempt is signed afresh. */
export function signWebhook(secret: string, body: string, timestampSeconds: number): string {
  return `t=${timestampSeconds},v1=${hmacHex(secret, timestampSeconds, body)}`
}

/**
 * What a receiver checks: a v1 signature of exactly `body` (the raw bytes as received, before any
 * JSON parsing) under `secret`, made within `toleranceSeconds` of `nowSeconds`.
 */
export function verifyWebhookSignature(
  secret: string,
  header: string | undefined,
  body: string,
  nowSeconds: number,
  toleranceSeconds = WEBHOOK_SIGNATURE_TOLERANCE_SECONDS,
): boolean {
  if (!header) return false
  let timestamp: number | null = null
  const signatures: string[] = []
  for (const part of header.split(',')) {
    const separator = part.indexOf('=')
    const key = part.slice(0, separator).trim()
    const value = part.slice(separator + 1).trim()
    if (key === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value)
    else if (key === 'v1' && /^[0-9a-f]{64}$/.test(value)) signatures.push(value)
  }
  if (timestamp === null || Math.abs(nowSeconds - timestamp) > toleranceSeconds) return false
  const expected = Buffer.from(hmacHex(secret, timestamp, body), 'hex')
  // Constant-time: a comparison that stops at the first differing byte tells an attacker how far they got.
  return signatures.some((signature) => timingSafeEqual(Buffer.from(signature, 'hex'), expected))
}

function hmacHex(secret: string, timestampSeconds: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestampSeconds}.`).update(body).digest('hex')
}
