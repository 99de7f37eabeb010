import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createServer } from '../../server/create-server.js'
import { createLogger } from '../../server/logger.js'

/** Nothing listens on port 1 of the loopback: connections are refused at once. */
const CLOSED_PORT = 1

describe('a server that cannot start says why and leaves nothing behind', () => {
  let root: string
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'tandem-startup-'))
  })
  afterEach(async () => {
    await rm(root, { recursive: true, force: true })
  })
  const quiet = () => createLogger('silent')

  it('refuses a weak AUTH_SECRET before it opens any storage', async () => {
    const dataDir = path.join(root, 'data')
    await expect(createServer({ dataDir, authSecret: 'short', logger: quiet() })).rejects.toThrow(
      /AUTH_SECRET must be at least \d+ characters/,
    )
    expect(existsSync(dataDir)).toBe(false)
  })

  it('names DATA_DIR and the path when the SQLite database cannot be created there', async () => {
    const notADirectory = path.join(root, 'a-file')
    await writeFile(notADirectory, 'not a directory')
    await expect(createServer({ dataDir: notADirectory, logger: quiet() })).rejects.toThrow(
      `cannot open the SQLite database in DATA_DIR (${notADirectory}): `,
    )
  })

  it('names DATABASE_URL, not its value, when PostgreSQL is unreachable', async () => {
    const failure = createServer({
      databaseUrl: `postgres://tandem:s3cret-password@127.0.0.1:${CLOSED_PORT}/test`,
      logger: quiet(),
    })
    await expect(failure).rejects.toThrow(/^cannot open PostgreSQL at DATABASE_URL: /)
    await expect(failure).rejects.not.toThrow(/s3cret-password/)
  })

  it('names REDIS_URL when Redis is unreachable', async () => {
    await expect(
      createServer({ dataDir: path.join(root, 'data'), redisUrl: `redis://127.0.0.1:${CLOSED_PORT}`, logger: quiet() }),
    ).rejects.toThrow(/^cannot reach Redis at REDIS_URL: /)
  })
})
