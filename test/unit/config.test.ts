import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError, resolveConfig } from '../../server/config.js'

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
