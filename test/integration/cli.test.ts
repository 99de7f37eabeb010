import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { verifyToken } from '../../server/auth/tokens.js'
import { openSqliteStorage } from '../../server/storage/sqlite/sqlite-storage.js'
import { runCli, spawnServer } from '../helpers/child-server.js'

describe('tandem CLI', () => {
  let dir: string
  let dataDir: string
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tandem-cli-'))
    dataDir = path.join(dir, 'data')
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('documents every command and setting in --help', async () => {
    const top = await runCli(['--help'])
    expect(top.code).toBe(0)
    for (const command of ['serve', 'export', 'import', 'compact', 'backup']) expect(top.stdout).toContain(command)
    const serve = await runCli(['serve', '--help'])
    for (const env of [
      'PORT',
      'HOST',
      'DATA_DIR',
      'DATABASE_URL',
      'REDIS_URL',
      'AUTH_SECRET',
      'ALLOWED_ORIGINS',
      'LOG_LEVEL',
    ]) {
      expect(serve.stdout).toMatch(new RegExp(`env\\s+${env}\\b`))
    }
  })

  it(
    'R-SERVER-CREATE: imports Markdown, exports it in each format, compacts and backs up',
    { timeout: 240_000 },
    async () => {
      const file = path.join(dir, 'Meeting notes.md')
      await writeFile(file, '# Agenda\n\n- [ ] budget\n- [x] hiring\n\nSee [the plan](https://example.com).\n')
      const imported = await runCli(['import', 'meeting', file, '--data-dir', dataDir])
      expect(imported.stderr).toMatch(/imported .* into meeting/)
      expect(imported.code).toBe(0)

      const markdown = await runCli(['export', 'meeting', '--format', 'markdown', '--data-dir', dataDir])
      expect(markdown.stdout).toBe('# Agenda\n\n- [ ] budget\n- [x] hiring\n\nSee [the plan](https://example.com).\n')
      const html = await runCli(['export', 'meeting', '--format', 'html', '--data-dir', dataDir])
      expect(html.stdout).toContain('<h1>Agenda</h1>')
      const text = await runCli(['export', 'meeting', '--format', 'text', '--data-dir', dataDir])
      expect(text.stdout).toContain('budget')

      const storage = openSqliteStorage({ dataDir })
      expect((await storage.docs.info('meeting' as never))?.title).toBe('Meeting notes')
      await storage.comments.createThread('meeting', {
        id: 'budget-thread',
        quote: 'budget',
        anchor: null,
        comment: {
          id: 'c1',
          body: 'Which budget?',
          author: { id: 'u', name: 'Ann', isVerified: true },
          at: Date.now(),
        },
      })
      await storage.close()

      const again = await runCli(['import', 'meeting', file, '--data-dir', dataDir])
      expect(again.code).toBe(1)
      expect(again.stderr).toMatch(/already has content; pass --replace/)

      const compacted = await runCli(['compact', '--data-dir', dataDir])
      expect(compacted.code).toBe(0)
      expect(compacted.stderr).toMatch(/\[1\/1\] meeting: .*snapshot/)

      const backupFile = path.join(dir, 'backup.db')
      const backup = await runCli(['backup', backupFile, '--data-dir', dataDir])
      expect(backup.code).toBe(0)
      expect(backup.stderr).toMatch(/100%/)
      expect(existsSync(backupFile)).toBe(true)
      const restoredDir = path.join(dir, 'restored')
      await (await import('node:fs/promises')).mkdir(restoredDir)
      await (await import('node:fs/promises')).copyFile(backupFile, path.join(restoredDir, 'tandem.db'))
      // Exports leave comments out unless asked; the backup holds them.
      const fromBackup = await runCli(['export', 'meeting', '--data-dir', restoredDir])
      expect(fromBackup.stdout).toBe(markdown.stdout)
      const withComments = await runCli(['export', 'meeting', '--comments', '--data-dir', restoredDir])
      expect(withComments.stdout).toContain('## Comments')
      expect(withComments.stdout).toContain('Which budget?')
    },
  )

  it.each([
    [['export', 'missing-doc', '--data-dir', 'DATA'], /document missing-doc does not exist/],
    [['export', 'bad.id', '--data-dir', 'DATA'], /invalid document id/],
    [['export', 'x', '--format', 'pdf'], /argument 'pdf' is invalid/],
    [['import', 'x', 'notes.txt'], /cannot tell the format of notes.txt/],
    [['import', 'x', 'missing.md'], /file not found: missing.md/],
    [['serve', '--port', 'eighty', '--log-level', 'loud'], /PORT \(--port\) must be a number[\s\S]*LOG_LEVEL/],
  ])('fails clearly: %j', async (args, message) => {
    const result = await runCli(args.map((a) => (a === 'DATA' ? dataDir : a)))
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(message)
  })

  it('lists and restores versions, offline and through a running server', { timeout: 240_000 }, async () => {
    const historyDir = path.join(dir, 'history-data')
    const server = await spawnServer(['--port', '0', '--data-dir', historyDir])
    const post = (path: string, body: unknown) =>
      fetch(`${server.httpUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    await post('/api/docs', { id: 'story', markdown: 'Once upon a time' })
    const v1 = (await (await post('/api/docs/story/versions', { name: 'Opening' })).json()) as { id: number }
    await fetch(`${server.httpUrl}/api/docs/story/versions/${v1.id}`, { method: 'GET' })
    const listed = await runCli(['versions', 'story', '--server', server.httpUrl])
    expect(listed.stdout).toMatch(new RegExp(`^${v1.id}\\s+\\S+ \\S+\\s+Opening`, 'm'))
    server.process.kill('SIGTERM')
    await server.exited

    const offline = await runCli(['versions', 'story', '--data-dir', historyDir])
    expect(offline.stdout).toContain('Opening')
    const restored = await runCli(['restore', 'story', String(v1.id), '--data-dir', historyDir])
    expect(restored.code).toBe(0)
    expect(restored.stderr).toMatch(/restored story to version \d+; the previous state is version \d+/)
    expect((await runCli(['export', 'story', '--data-dir', historyDir])).stdout).toBe('Once upon a time\n')
    const bad = await runCli(['restore', 'story', 'latest', '--data-dir', historyDir])
    expect(bad.stderr).toMatch(/version must be a number/)
    const missing = await runCli(['restore', 'story', '999', '--data-dir', historyDir])
    expect(missing.stderr).toMatch(/has no version 999/)
  })

  it('mints tokens the server accepts, and explains what is missing', async () => {
    const secret = 'cli-secret-long-enough-for-the-server-0123'
    const minted = await runCli(['token', '--doc', 'notes', '--role', 'view', '--ttl', '60', '--name', 'Ann'], {
      AUTH_SECRET: secret,
    })
    expect(minted.code).toBe(0)
    const claims = await verifyToken(minted.stdout.trim(), secret)
    expect(claims).toMatchObject({ docPattern: 'notes', role: 'view', name: 'Ann' })
    expect(claims.expiresAt - Date.now()).toBeLessThanOrEqual(60_000)

    const noSecret = await runCli(['token', '--doc', 'notes', '--role', 'edit'], { AUTH_SECRET: '' })
    expect(noSecret.stderr).toMatch(/AUTH_SECRET is not set/)
    const badRole = await runCli(['token', '--doc', 'notes', '--role', 'owner'], { AUTH_SECRET: secret })
    expect(badRole.stderr).toMatch(/argument 'owner' is invalid/)
    expect(badRole.stderr).toMatch(/view, comment, edit/)

    const commenter = await runCli(['token', '--doc', 'notes', '--role', 'comment', '--name', 'Reviewer'], {
      AUTH_SECRET: secret,
    })
    expect(commenter.code).toBe(0)
    expect(await verifyToken(commenter.stdout.trim(), secret)).toMatchObject({ role: 'comment', name: 'Reviewer' })
  })
})
