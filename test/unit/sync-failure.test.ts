import { describe, expect, it } from 'vitest'
import { ErrorCode } from '../../shared/errors.js'
import { closeCodeFor, closeReason, isPermanentClose } from '../../shared/protocol/close-codes.js'
import { describeFailure } from '../../client/provider/sync-status.js'

/** The close the server sends for `code`, as the client receives it. */
function serverClose(code: ErrorCode, detail: string) {
  return describeFailure(closeCodeFor(code), closeReason(code, detail))
}

describe("the client's words for a permanent close", () => {
  it('tells a writer whose token was revoked to ask the owner for a new link', () => {
    const failure = serverClose(ErrorCode.TokenRevoked, 'access to this document was revoked; ask for a new link')
    expect(failure).toEqual({
      closeCode: 4401,
      errorCode: 'token-revoked',
      message: "Access revoked — ask the document's owner for a new link.",
    })
    expect(isPermanentClose(failure.closeCode)).toBe(true)
  })

  it('keeps telling an expired token apart from a revoked one', () => {
    expect(serverClose(ErrorCode.TokenExpired, 'token expired; get a new one')).toMatchObject({
      closeCode: 4401,
      errorCode: 'token-expired',
      message: 'Your access has expired. Sign in again to keep editing.',
    })
  })

  it('falls back to the close code for other failures', () => {
    expect(serverClose(ErrorCode.DocumentDeleted, 'gone').message).toBe('This document was deleted.')
    expect(describeFailure(4499, '').errorCode).toBe('close-4499')
  })
})
