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
})
