import { describe, expect, it } from 'vitest'
import { resolveConfig } from '../../server/config.js'

const SECRET = 'a-webhook-secret-of-at-least-32-chars'

describe('webhook settings', () => {
  it('are off by default, with document.changed at most once a minute per document', () => {
    expect(resolveConfig({}, {})).toMatchObject({
      webhookUrl: undefined,
      webhookSecret: undefined,
      webhookDocumentChangedIntervalMs: 60_000,
    })
  })

  it('read WEBHOOK_URL, WEBHOOK_SECRET and WEBHOOK_DOCUMENT_CHANGED_INTERVAL_MS, flags first', () => {
    const env = {
      WEBHOOK_URL: 'https://hooks.example.com/tandem',
      WEBHOOK_SECRET: SECRET,
      WEBHOOK_DOCUMENT_CHANGED_INTERVAL_MS: '5000',
    }
    expect(resolveConfig({}, env)).toMatchObject({
      webhookUrl: 'https://hooks.example.com/tandem',
      webhookSecret: SECRET,
      webhookDocumentChangedIntervalMs: 5000,
    })
    expect(resolveConfig({ webhookDocumentChangedIntervalMs: '0' }, env).webhookDocumentChangedIntervalMs).toBe(0)
  })

  it('refuse a short secret and a URL that is not http(s), without echoing either', () => {
    let message = ''
    try {
      resolveConfig({}, { WEBHOOK_URL: 'ftp://user:hunter2@example.com/x', WEBHOOK_SECRET: 'short-hook-secret' })
    } catch (error) {
      message = (error as Error).message
    }
    expect(message).toMatch(/WEBHOOK_URL \(--webhook-url\) must be an http:\/\/ or https:\/\/ URL/)
    expect(message).toMatch(/WEBHOOK_SECRET \(--webhook-secret\) must be at least 32 characters/)
    expect(message).not.toContain('hunter2')
    expect(message).not.toContain('short-hook-secret')
  })

  it('refuse an interval that would send a request per keystroke burst', () => {
    expect(() => resolveConfig({}, { WEBHOOK_DOCUMENT_CHANGED_INTERVAL_MS: '500' })).toThrow(
      /WEBHOOK_DOCUMENT_CHANGED_INTERVAL_MS .* 0 \(off\) or at least 1000/,
    )
  })
})
