import { describe, expect, it } from 'vitest'
import { ErrorCode } from '../../shared/errors.js'
import { closeCodeFor, closeReason, isPermanentClose } from '../../shared/protocol/close-codes.js'

describe('close codes', () => {
  it('maps every error code to a close code that ws accepts', () => {
    for (const code of Object.values(ErrorCode)) {
      const close = closeCodeFor(code)
      expect(close === 1001 || (close >= 1011 && close <= 1013) || (close >= 4000 && close < 5000)).toBe(true)
    }
  })

  it('separates permanent from transient closes', () => {
    expect(isPermanentClose(4400)).toBe(true)
    expect(isPermanentClose(1012)).toBe(false)
  })

  it('keeps reasons within 123 bytes of UTF-8, even with multi-byte text', () => {
    const reason = closeReason(ErrorCode.BadRequest, 'é'.repeat(200))
    expect(Buffer.byteLength(reason)).toBeLessThanOrEqual(123)
    expect(reason.endsWith('...')).toBe(true)
    expect(closeReason(ErrorCode.BadRequest, 'short')).toBe('bad-request: short')
  })
})
