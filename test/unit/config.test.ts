import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError, NO_LIMIT, operatorLimits, resolveConfig } from '../../server/config.js'
import { resolveLimits } from '../../server/server-limits.js'

describe('resolveConfig', () => {
  it('uses the documented defaults', () => {
    expect(resolveConfig({}, {})).toMatchObject({
      port: 1234,
      host: '127.0.0.1',
      dataDir: path.resolve('./data'),
      logLevel: 'info',
      maxFrameBytes: 2 * 1024 * 1024,
    })
  })

  it('prefers flags over the environment over defaults', () => {
    expect(resolveConfig({ port: '5000' }, { PORT: '4000', HOST: '0.0.0.0' })).toMatchObject({
      port: 5000,
      host: '0.0.0.0',
    })
  })

  it('reads REVOCATION_POLL_MS (default 5000) and refuses polls that would hammer the database', () => {
    expect(resolveConfig({}, {}).revocationPollMs).toBe(5000)
    expect(resolveConfig({}, { REVOCATION_POLL_MS: '1000' }).revocationPollMs).toBe(1000)
    expect(() => resolveConfig({}, { REVOCATION_POLL_MS: '10' })).toThrow(/REVOCATION_POLL_MS .* at least 100/)
  })

  it('makes every operator-facing limit a setting, defaults from shared/limits.ts, 0 = off where that makes sense', () => {
    const defaults = resolveLimits()
    expect(operatorLimits(resolveConfig({}, {}))).toEqual({
      maxFrameBytes: defaults.maxFrameBytes,
      revocationPollMs: defaults.revocationPollMs,
      maxConnectionsPerAddress: defaults.maxConnectionsPerAddress,
      connectionAttemptsPerSecond: defaults.connectionAttemptsPerSecond,
      maxMessagesPerSecond: defaults.maxMessagesPerSecond,
      messageBurst: defaults.messageBurst,
      maxBytesPerSecond: defaults.maxBytesPerSecond,
      applyBudgetMsPerSecond: defaults.applyBudgetMsPerSecond,
      applyBudgetBurstMs: defaults.applyBudgetBurstMs,
      maxThreadsPerDocument: defaults.maxThreadsPerDocument,
      maxCommentsPerThread: defaults.maxCommentsPerThread,
      commentsPerMinute: defaults.commentsPerMinute,
      maxUploadBytes: defaults.maxUploadBytes,
      uploadsPerMinute: defaults.uploadsPerMinute,
      awarenessTickMs: defaults.awarenessTickMs,
    })
    expect(operatorLimits(resolveConfig({}, { AWARENESS_TICK_MS: '0' })).awarenessTickMs).toBe(0)
    expect(() => resolveConfig({}, { AWARENESS_TICK_MS: '5000' })).toThrow(/AWARENESS_TICK_MS.*at most 1000/)
    const set = resolveConfig(
      { maxMessagesPerSecond: '80' },
      {
        MAX_CONNECTIONS_PER_ADDRESS: '2000',
        MAX_MESSAGES_PER_SECOND: '60',
        MESSAGE_BURST: '300',
        MAX_BYTES_PER_SECOND: '0',
        APPLY_BUDGET_MS_PER_SECOND: '500',
        APPLY_BUDGET_BURST_MS: '2000',
      },
    )
    expect(operatorLimits(set)).toMatchObject({
      maxConnectionsPerAddress: 2000,
      maxMessagesPerSecond: 80,
      messageBurst: 300,
      maxBytesPerSecond: NO_LIMIT,
      applyBudgetMsPerSecond: 500,
      applyBudgetBurstMs: 2000,
    })
    const off = operatorLimits(
      resolveConfig(
        {},
        {
          MAX_CONNECTIONS_PER_ADDRESS: '0',
          CONNECTION_ATTEMPTS_PER_SECOND: '0',
          MAX_MESSAGES_PER_SECOND: '0',
          APPLY_BUDGET_MS_PER_SECOND: '0',
        },
      ),
    )
    expect(off).toMatchObject({
      maxConnectionsPerAddress: NO_LIMIT,
      connectionAttemptsPerSecond: NO_LIMIT,
      maxMessagesPerSecond: NO_LIMIT,
      messageBurst: NO_LIMIT,
      applyBudgetMsPerSecond: NO_LIMIT,
      applyBudgetBurstMs: NO_LIMIT,
    })
  })

  it('refuses limits that are negative, fractional, or a burst of 0', () => {
    expect(() => resolveConfig({}, { MAX_CONNECTIONS_PER_ADDRESS: '-1' })).toThrow(
      /MAX_CONNECTIONS_PER_ADDRESS \(--max-connections-per-address\) must be 0 \(off\) or more; got "-1"/,
    )
    expect(() => resolveConfig({}, { MAX_BYTES_PER_SECOND: '1.5' })).toThrow(/MAX_BYTES_PER_SECOND .* whole number/)
    expect(() => resolveConfig({}, { MESSAGE_BURST: '0' })).toThrow(/MESSAGE_BURST .* at least 1/)
    expect(() => resolveConfig({}, { APPLY_BUDGET_BURST_MS: 'lots' })).toThrow(
      /APPLY_BUDGET_BURST_MS .* must be a number/,
    )
  })

  it('reads the comment limits (defaults 1000 threads, 500 comments, 60 a minute)', () => {
    expect(resolveConfig({}, {})).toMatchObject({
      maxThreadsPerDocument: 1000,
      maxCommentsPerThread: 500,
      commentsPerMinute: 60,
    })
    expect(resolveConfig({}, { MAX_THREADS_PER_DOCUMENT: '10', COMMENTS_PER_MINUTE: '0' })).toMatchObject({
      maxThreadsPerDocument: 10,
      commentsPerMinute: 0,
    })
    expect(() => resolveConfig({}, { MAX_COMMENTS_PER_THREAD: '0' })).toThrow(/MAX_COMMENTS_PER_THREAD .* at least 1/)
  })

  it('reads the upload limits (defaults 10 MiB and 30 a minute); an upload cap cannot be off', () => {
    expect(resolveConfig({}, {})).toMatchObject({ maxUploadBytes: 10 * 1024 * 1024, uploadsPerMinute: 30 })
    expect(
      operatorLimits(resolveConfig({ maxUploadBytes: '2048' }, { MAX_UPLOAD_BYTES: '4096', UPLOADS_PER_MINUTE: '0' })),
    ).toMatchObject({ maxUploadBytes: 2048, uploadsPerMinute: 0 })
    expect(() => resolveConfig({}, { MAX_UPLOAD_BYTES: '0' })).toThrow(/MAX_UPLOAD_BYTES .* at least 1024/)
  })

  it('treats an empty variable as unset', () => {
    expect(resolveConfig({}, { PORT: '' }).port).toBe(1234)
  })

  it('lists every problem at once, without echoing secrets', () => {
    let error: ConfigError | null = null
    try {
      resolveConfig(
        {},
        { PORT: '99999', LOG_LEVEL: 'chatty', AUTH_SECRET: 'short-secret', DATABASE_URL: 'mysql://u:pw@h' },
      )
    } catch (e) {
      error = e as ConfigError
    }
    expect(error).toBeInstanceOf(ConfigError)
    expect(error!.problems).toHaveLength(4)
    expect(error!.message).toMatch(/PORT \(--port\) must be between 0 and 65535; got "99999"/)
    expect(error!.message).toMatch(/LOG_LEVEL/)
    expect(error!.message).not.toContain('short-secret')
    expect(error!.message).not.toContain('pw@h')
  })

  it('parses ALLOWED_ORIGINS and rejects things that are not origins', () => {
    expect(resolveConfig({}, { ALLOWED_ORIGINS: 'https://a.example, http://localhost:5173' }).allowedOrigins).toEqual([
      'https://a.example',
      'http://localhost:5173',
    ])
    expect(() => resolveConfig({}, { ALLOWED_ORIGINS: 'https://a.example/path' })).toThrow(/is not an origin/)
  })

  it('parses TRUST_PROXY and rejects entries that are not addresses, CIDRs or keywords', () => {
    expect(resolveConfig({}, { TRUST_PROXY: 'loopback, 10.0.0.0/8' }).trustProxy).toEqual(['loopback', '10.0.0.0/8'])
    expect(resolveConfig({}, {}).trustProxy).toBeUndefined()
    expect(() => resolveConfig({}, { TRUST_PROXY: 'nginx.internal' })).toThrow(/TRUST_PROXY.*loopback/)
  })
})
