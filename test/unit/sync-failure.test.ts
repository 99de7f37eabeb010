import { describe, expect, it } from 'vitest'
import { ErrorCode } from '../../shared/errors.js'
import { closeCodeFor, closeReason, isPermanentClose } from '../../shared/protocol/close-codes.js'
import { closeOfErrorAnswer } from '../../shared/protocol/http-framing.js'
import { describeFailure, type FailureContext } from '../../client/provider/sync-status.js'

const CONTEXT: FailureContext = {
  serverUrl: 'https://tandem.example.com',
  pageOrigin: 'https://app.example.com',
  hasToken: true,
}

/** The close the server sends for `code`, as the client receives it. */
function serverClose(code: ErrorCode, detail: string, context: FailureContext = CONTEXT) {
  return describeFailure(closeCodeFor(code), closeReason(code, detail), context)
}

/** The close an HTTP fallback request's refusal stands for, as the client turns it into one. */
function httpRefusal(status: number, body: string, context: FailureContext = CONTEXT) {
  const { code, reason } = closeOfErrorAnswer(status, body)
  return describeFailure(code, reason, context)
}

describe("the client's words for a permanent close", () => {
  it('tells a writer whose token was revoked to ask the owner for a new link', () => {
    const failure = serverClose(ErrorCode.TokenRevoked, 'access to this document was revoked; ask for a new link')
    expect(failure).toEqual({
      closeCode: 4401,
      errorCode: 'token-revoked',
      message: "Access revoked — ask the document's owner for a new link.",
      reason: 'token-revoked: access to this document was revoked; ask for a new link',
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

  it('names the page origin and ALLOWED_ORIGINS when the server refuses the origin', () => {
    const failure = serverClose(ErrorCode.ForbiddenOrigin, 'origin https://app.example.com is not in ALLOWED_ORIGINS')
    expect(failure.closeCode).toBe(4403)
    expect(failure.errorCode).toBe('forbidden-origin')
    expect(failure.message).toBe(
      "The Tandem server does not accept this page's origin (https://app.example.com). " +
        'Add it to ALLOWED_ORIGINS in the server settings and restart the server.',
    )
  })

  it('gives the same words for a refused origin whether a WebSocket close or an HTTP 403 brought it', () => {
    const body = JSON.stringify({ error: 'forbidden-origin', message: 'origin https://app.example.com is not in …' })
    const overHttp = httpRefusal(403, body)
    const overWebSocket = serverClose(ErrorCode.ForbiddenOrigin, 'origin https://app.example.com is not in …')
    expect(overHttp).toEqual(overWebSocket)
  })

  it('tells an app that gave no token that the server needs one', () => {
    const failure = serverClose(ErrorCode.Unauthorized, 'a token is required', { ...CONTEXT, hasToken: false })
    expect(failure.message).toMatch(/needs an access token \(it has AUTH_SECRET set\) and none was given/)
  })

  it('tells a writer whose token was refused to reload for a new one', () => {
    const failure = serverClose(ErrorCode.Unauthorized, 'token is invalid or not signed by this server')
    expect(failure.message).toMatch(/access token was not accepted .*AUTH_SECRET.*Reload the page/)
  })

  it('tells a writer whose token covers another document to ask for a link to this one', () => {
    const failure = serverClose(ErrorCode.Forbidden, 'token does not grant access to document q3')
    expect(failure).toMatchObject({ closeCode: 4403, errorCode: 'forbidden' })
    expect(failure.message).toBe('Your access token does not cover this document. Ask its owner for a link to it.')
    expect(failure.reason).toBe('forbidden: token does not grant access to document q3')
  })

  it('says which protocol versions differ and what to update', () => {
    const failure = serverClose(ErrorCode.IncompatibleProtocol, 'the client speaks protocol 2, this server 1')
    expect(failure.closeCode).toBe(4426)
    expect(failure.message).toBe(
      'This editor and the Tandem server speak different protocol versions (the client speaks protocol 2, ' +
        'this server 1). Update the tandem package or the server so that they match.',
    )
  })

  it('asks to check serverUrl when a sync endpoint answers 404 or 405', () => {
    for (const status of [404, 405]) {
      const failure = httpRefusal(status, '<!doctype html><title>Not found</title>')
      expect(failure).toMatchObject({ closeCode: 4426, errorCode: 'not-tandem-server' })
      expect(failure.message).toBe(
        `Check serverUrl: https://tandem.example.com did not answer as a Tandem sync server (HTTP ${status} ` +
          "from its sync endpoint). It should be the Tandem server's base URL, e.g. https://tandem.example.com.",
      )
    }
  })

  it('counts a 404 as a wrong server URL even when a Tandem server answered it (a wrong path prefix)', () => {
    const failure = httpRefusal(404, JSON.stringify({ error: 'not-found', message: 'no such route' }))
    expect(failure.errorCode).toBe('not-tandem-server')
  })

  it('reads the close code an HTTP refusal names before its status', () => {
    const body = JSON.stringify({ error: 'document-deleted', closeCode: 4404, reason: 'document-deleted: gone' })
    expect(httpRefusal(410, body).message).toBe('This document was deleted.')
  })

  it('falls back to the close code for other failures', () => {
    expect(serverClose(ErrorCode.DocumentDeleted, 'gone').message).toBe('This document was deleted.')
    expect(describeFailure(4499, '').errorCode).toBe('close-4499')
    expect(describeFailure(4499, '').message).toBe('The server closed the connection for good (4499).')
  })

  it('never leaves a permanent close code without a message of its own', () => {
    for (const code of Object.values(ErrorCode)) {
      const closeCode = closeCodeFor(code)
      if (!isPermanentClose(closeCode)) continue
      expect(describeFailure(closeCode, closeReason(code, 'detail'), CONTEXT).message).not.toMatch(/for good/)
    }
  })
})
