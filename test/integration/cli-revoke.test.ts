import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rawClient } from '../helpers/clients.js'
import { waitFor } from '../helpers/wait-for.js'
import { runCli, spawnServer, type ChildServer } from '../helpers/child-server.js'

const SECRET = 'cli-revoke-secret-long-enough-for-hs256-0123'
const REVOKED = 'token-revoked: access to this document was revoked; ask for a new link'

describe('tandem token revoke (SQLite data directory, a running server)', () => {
  let dir: string
  let server: ChildServer
  const env = { AUTH_SECRET: SECRET }
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tandem-cli-revoke-'))
    server = await spawnServer(['--port', '0', '--data-dir', dir], { ...env, REVOCATION_POLL_MS: '200' })
  })
  afterAll(async () => {
    server.process.kill('SIGTERM')
    await server.exited
    await rm(dir, { recursive: true, force: true })
  })

  const mint = async (...extra: string[]) => {
    const minted = await runCli(['token', '--doc', 'notes', '--role', 'edit', ...extra], env)
    expect(minted.code).toBe(0)
    return minted.stdout.trim()
  }
  const status = async (token: string) =>
    (await fetch(`${server.httpUrl}/api/docs/notes/access`, { headers: { authorization: `Bearer ${token}` } })).status

  it('revokes a token: the running server closes its connection and refuses it', { timeout: 60_000 }, async () => {
    const token = await mint()
    const client = await rawClient(`${server.wsUrl}/notes?token=${token}`)
    const revoked = await runCli(['token', 'revoke', token, '--data-dir', dir], env)
    expect(revoked.stderr).toMatch(/^revoked token [0-9a-f-]{36} \(it expires /)
    expect(revoked.code).toBe(0)
    expect(await client.closed).toEqual({ code: 4401, reason: REVOKED })
    expect(await status(token)).toBe(401)
  })

  it('revokes every earlier token of a user with --user', { timeout: 60_000 }, async () => {
    const token = await mint('--user-id', 'ann')
    expect(await status(token)).toBe(200)
    const revoked = await runCli(['token', 'revoke', '--user', 'ann', '--data-dir', dir], env)
    expect(revoked.code).toBe(0)
    expect(revoked.stderr).toMatch(/revoked every token of user ann issued until/)
    await waitFor(async () => (await status(token)) === 401, { description: 'older token refused' })
  })

  it('explains what is missing', { timeout: 60_000 }, async () => {
    const noSecret = await runCli(['token', 'revoke', 'some-jti', '--data-dir', dir], { AUTH_SECRET: '' })
    expect(noSecret.code).toBe(1)
    expect(noSecret.stderr).toMatch(/AUTH_SECRET is not set: without it the server accepts no tokens/)
    const neither = await runCli(['token', 'revoke', '--data-dir', dir], env)
    expect(neither.stderr).toMatch(/give either a token \(or its jti\) or --user/)
    expect(neither.stderr).toMatch(/nothing to revoke was named/)
    const both = await runCli(['token', 'revoke', 'some-jti', '--user', 'ann', '--data-dir', dir], env)
    expect(both.stderr).toMatch(/--user <sub>, not both/)
    const foreign = await runCli(['token', 'revoke', '--data-dir', dir, await mint()], {
      AUTH_SECRET: 'another-secret-that-is-long-enough-000000',
    })
    expect(foreign.stderr).toMatch(/not signed with this AUTH_SECRET/)
    const help = await runCli(['token', 'revoke', '--help'])
    expect(help.stdout).toMatch(/--user <sub>/)
    expect(help.stdout).toMatch(/REVOCATION_POLL_MS/)
    const noDoc = await runCli(['token', '--role', 'edit'], env)
    expect(noDoc.stderr).toMatch(/required option '--doc <docId>' not specified/)
  })
})
