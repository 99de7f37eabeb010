import { describe, expect, it } from 'vitest'
import { PROTOCOL_VERSION, protocolMismatch } from '../../shared/protocol/protocol-version.js'

describe('protocol version', () => {
  it('serves a client that names no version (stock y-websocket) as version 1', () => {
    expect(protocolMismatch(null)).toBeNull()
  })

  it('serves the version this code speaks', () => {
    expect(protocolMismatch(String(PROTOCOL_VERSION))).toBeNull()
  })

  it('refuses a newer version, naming both', () => {
    expect(protocolMismatch(String(PROTOCOL_VERSION + 1))).toBe(
      `the client speaks protocol ${PROTOCOL_VERSION + 1}, this server ${PROTOCOL_VERSION}`,
    )
  })

  it('refuses what is not a version, quoting at most 16 characters of it', () => {
    expect(protocolMismatch('0')).not.toBeNull()
    expect(protocolMismatch('1.0')).not.toBeNull()
    expect(protocolMismatch('')).not.toBeNull()
    expect(protocolMismatch('x'.repeat(500))).toBe(`the client speaks protocol ${'x'.repeat(16)}, this server 1`)
  })
})
