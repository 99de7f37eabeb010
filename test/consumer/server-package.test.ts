import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { installApp, lockedPackages, packServerTypes, run, tempDir, timed } from './consumer-app.js'

/** Compiling, packing and installing on a loaded two-core machine: minutes, not seconds. */
const STEP_TIMEOUT_MS = 300_000

/**
 * The server package's types as an embedding app's backend sees them (issue 21): its own tsconfig
 * (strict, no skipLibCheck) over a backend that calls createServer() and mintToken()
 * (test/consumer/apps/server-types). Every type the package's .d.ts files name must come from a
 * dependency the package declares, not from this repository's devDependencies.
 */
describe('the server package in a TypeScript backend', () => {
  let work: Awaited<ReturnType<typeof tempDir>>
  let appDir = ''

  beforeAll(async () => {
    work = await tempDir('server-types')
    const tarball = await timed('tsc and npm pack of tandem-server', () => packServerTypes(work.dir))
    // --ignore-scripts: types need no native SQLite build (the component test checks installs).
    appDir = await timed('npm install of tandem-server (no scripts)', () =>
      installApp('server-types', work.dir, tarball, { ignoreScripts: true }),
    )
  }, STEP_TIMEOUT_MS)

  afterAll(async () => {
    await work?.remove()
  })

  it('installs a tree npm ls --all accepts, with every Tiptap package at one version', async () => {
    await run('npm', ['ls', '--all'], appDir) // exits non-zero on any invalid, missing or extraneous package
    const tiptapVersions = new Set(
      (await lockedPackages(appDir))
        .filter((entry) => entry.name.startsWith('@tiptap/') && entry.name !== '@tiptap/y-tiptap')
        .map((entry) => entry.version),
    )
    expect([...tiptapVersions]).toEqual(['3.31.3'])
  })

  it(
    'type-checks createServer() and mintToken() with strict and without skipLibCheck',
    async () => {
      await timed('tsc of the backend', () => run('npm', ['run', 'typecheck'], appDir))
    },
    STEP_TIMEOUT_MS,
  )
})
