import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { checkWebhookSecret, signWebhook, verifyWebhookSignature } from '../../server/webhooks/webhook-signature.js'

const SECRET = 'a-webhook-secret-of-at-least-32-chars'
const BODY = '{"id":"e1","type":"document.changed","createdAt":"2025-01-01T00:00:00.000Z","docId":"d"}'
const T = 1_735_689_600

describe('webhook signature', () => {
  it('is t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>"> under the secret', () => {
    const expected = createHmac('sha256', SECRET).update(`${T}.${BODY}`).digest('hex')
    expect(signWebhook(SECRET, BODY, T)).toBe(`t=${T},v1=${expected}`)
  })

  it('verifies its own signature within the tolerance, on either side of the clock', () => {
    const header = signWebhook(SECRET, BODY, T)
    expect(verifyWebhookSignature(SECRET, header, BODY, T)).toBe(true)
    expect(verifyWebhookSignature(SECRET, header, BODY, T + 300)).toBe(true)
    expect(verifyWebhookSignature(SECRET, header, BODY, T - 300)).toBe(true)
  })

  it('refuses another secret, a changed body, and a missing or malformed header', () => {
    const header = signWebhook(SECRET, BODY, T)
    expect(verifyWebhookSignature('another-secret-of-at-least-32-characters', header, BODY, T)).toBe(false)
    expect(verifyWebhookSignature(SECRET, header, BODY.replace('"d"', '"e"'), T)).toBe(false)
    expect(verifyWebhookSignature(SECRET, undefined, BODY, T)).toBe(false)
    expect(verifyWebhookSignature(SECRET, 'v1=abc', BODY, T)).toBe(false)
    expect(verifyWebhookSignature(SECRET, `t=${T}`, BODY, T)).toBe(false)
    expect(verifyWebhookSignature(SECRET, `t=${T},v1=${'0'.repeat(64)}`, BODY, T)).toBe(false)
  })

  it('refuses a replay: a valid signature older than the tolerance', () => {
    const header = signWebhook(SECRET, BODY, T)
    expect(verifyWebhookSignature(SECRET, header, BODY, T + 301)).toBe(false)
    expect(verifyWebhookSignature(SECRET, header, BODY, T + 60, 30)).toBe(false)
  })

  it('cannot be moved to another time: the timestamp is inside the MAC', () => {
    const [, v1] = signWebhook(SECRET, BODY, T).split(',')
    expect(verifyWebhookSignature(SECRET, `t=${T + 100},${v1}`, BODY, T + 100)).toBe(false)
  })

  it('accepts a header where any v1 entry matches, so more can be sent beside it later (secret rotation)', () => {
    const [t, v1] = signWebhook(SECRET, BODY, T).split(',')
    expect(verifyWebhookSignature(SECRET, `${t},v1=${'a'.repeat(64)},${v1}`, BODY, T)).toBe(true)
  })

  it('refuses a secret shorter than 32 characters, as AUTH_SECRET', () => {
    expect(() => checkWebhookSecret('x'.repeat(31))).toThrow(/WEBHOOK_SECRET must be at least 32 characters/)
    expect(() => checkWebhookSecret('x'.repeat(32))).not.toThrow()
  })
})
