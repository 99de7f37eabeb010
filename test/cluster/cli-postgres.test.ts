import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openPostgresStorage } from '../../server/storage/postgres/postgres-storage.js'
import { runCli } from '../helpers/child-server.js'
import { createTestDatabase, type TestDatabase } from './helpers/postgres-database.js'

/** The offline commands with DATABASE_URL: the same operations, against PostgreSQL. */
describe('tandem CLI against PostgreSQL', () => {
  let database: TestDatabase
  let dir: string
  beforeAll(async () => {
    ;[database, dir] = await Promise.all([createTestDatabase(), mkdtemp(path.join(tmpdir(), 'tandem-cli-pg-'))])
  })
  afterAll(async () => {
    await Promise.all([database?.drop(), rm(dir, { recursive: true, force: true })])
  })

  it('imports, exports and compacts; backup points at pg_dump', { timeout: 120_000 }, async () => {
    const env = { DATABASE_URL: database.url }
    const file = path.join(dir, 'Plan.md')
    await writeFile(file, '# Plan\n\n- ship it\n')
    const imported = await runCli(['import', 'plan', file], env)
    expect(imported.stderr).toMatch(/imported .* into plan/)
    expect(imported.code).toBe(0)

    const exported = await runCli(['export', 'plan', '--format', 'markdown'], env)
    expect(exported.stdout).toBe('# Plan\n\n- ship it\n')

    const compacted = await runCli(['compact'], env)
    expect(compacted.code).toBe(0)
    expect(compacted.stderr).toMatch(/\[1\/1\] plan: .*snapshot/)
    const storage = await openPostgresStorage({ connectionString: database.url })
    try {
      expect((await storage.docs.info('plan' as never))?.title).toBe('Plan')
      expect((await storage.docs.load('plan' as never)).entries.map((e) => e.isSnapshot)).toEqual([true])
    } finally {
      await storage.close()
    }

    // Version history shares the document store's pool: listing and restoring end cleanly (exit 0).
    const listed = await runCli(['versions', 'plan'], env)
    expect(listed.code).toBe(0)
    expect(listed.stdout).toContain('no versions yet')
    expect(listed.stderr).not.toMatch(/Called end on pool/)

    const backup = await runCli(['backup', path.join(dir, 'backup.db')], env)
    expect(backup.code).toBe(1)
    expect(backup.stderr).toMatch(/pg_dump/)
  })

  it('fails clearly when PostgreSQL cannot be reached', { timeout: 60_000 }, async () => {
    const result = await runCli(['export', 'plan'], { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nowhere' })
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^tandem: cannot open PostgreSQL at DATABASE_URL: /)
    expect(result.stderr).not.toContain('postgres://')
  })
})
