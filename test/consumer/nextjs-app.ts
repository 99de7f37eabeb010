/**
 * `npm run test:nextjs`: the component in a Next.js App Router app (test/consumer/apps/nextjs), as
 * docs/embedding.md shows it: a 'use client' component rendering the editor, the CSS imported by
 * the root layout. Packs the component, installs it with Next.js, runs `next build` and `next
 * start`, checks the server-rendered HTML carries the editor's shell, then syncs two Chromium pages
 * through a Tandem server on another origin. Kept out of `npm test` for its time (printed here: 1 to
 * 2 minutes on this two-core machine with a warm npm cache): Next.js is none of the repository's
 * dependencies, so a fresh CI machine would download it and its compiler on every run.
 */
import { spawn } from 'node:child_process'
import { createServer as createNetServer, type AddressInfo } from 'node:net'
import path from 'node:path'
import type { Page } from 'playwright-core'
import { launchChromium } from '../e2e/helpers/browser.js'
import { editorText, uniqueDocId } from '../e2e/helpers/editor-page.js'
import { spawnServer } from '../helpers/child-server.js'
import { waitFor } from '../helpers/wait-for.js'
import { cleanEnv, installApp, openNotesPage, packComponent, run, shownStatus, tempDir, timed } from './consumer-app.js'

/** Next.js would otherwise try to report usage to its servers. */
const NEXT_ENV = { NEXT_TELEMETRY_DISABLED: '1' }
/** A cold page load on a loaded two-core machine can take many seconds. */
const BROWSER_TIMEOUT_MS = 30_000

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer()
      .once('error', reject)
      .listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo
        probe.close(() => resolve(port))
      })
  })
}

const startedAt = performance.now()
const work = await tempDir('nextjs')
const cleanups: (() => unknown)[] = [() => work.remove()]
try {
  const { tarball } = await timed('npm pack --workspace client', () => packComponent(work.dir))
  const appDir = await timed('npm install of Next.js, React and the tarball', () =>
    installApp('nextjs', work.dir, tarball),
  )
  await timed('next build', () => run(process.execPath, ['node_modules/next/dist/bin/next', 'build'], appDir, NEXT_ENV))

  const port = await freePort()
  const appUrl = `http://127.0.0.1:${port}`
  const nextServer = spawn(
    process.execPath,
    [path.join(appDir, 'node_modules/next/dist/bin/next'), 'start', '--port', String(port), '--hostname', '127.0.0.1'],
    { cwd: appDir, env: cleanEnv(NEXT_ENV), stdio: 'inherit' },
  )
  cleanups.push(() => nextServer.kill('SIGTERM'))
  await timed('next start', () =>
    waitFor(
      () =>
        fetch(appUrl).then(
          (response) => response.ok,
          () => false,
        ),
      {
        timeoutMs: 60_000,
        intervalMs: 200,
        description: `next start on ${appUrl}`,
      },
    ),
  )

  const tandem = await spawnServer(['--port', '0', '--data-dir', path.join(work.dir, 'data')], {
    ALLOWED_ORIGINS: appUrl,
  })
  cleanups.push(async () => {
    tandem.process.kill('SIGTERM')
    await tandem.exited
  })

  const docId = uniqueDocId('nextjs')
  const query = new URLSearchParams({ server: tandem.httpUrl, doc: docId })
  const html = await (await fetch(`${appUrl}/?${query.toString()}`)).text()
  if (!html.includes('class="tandem-editor"') || html.includes('ProseMirror'))
    throw new Error(`the server-rendered page lacks the editor's empty shell:\n${html}`)
  console.log('nextjs: the server-rendered HTML carries the editor shell (no editor, no connection)')

  const browser = await launchChromium()
  cleanups.push(() => browser.close())
  await timed('two pages syncing', async () => {
    const open = async (name: string): Promise<Page> => {
      const page = await openNotesPage(browser, appUrl, { serverUrl: tandem.httpUrl, docId, name })
      await page.locator('.ProseMirror[contenteditable="true"]').waitFor({ timeout: BROWSER_TIMEOUT_MS })
      return page
    }
    const ada = await open('Ada')
    const bob = await open('Bob')
    await ada.locator('.ProseMirror').click()
    await ada.keyboard.type('Hello from Next.js')
    await waitFor(async () => (await editorText(bob)).includes('Hello from Next.js'), {
      timeoutMs: BROWSER_TIMEOUT_MS,
      description: "Ada's text on Bob's page",
    })
    for (const page of [ada, bob]) {
      await waitFor(async () => (await shownStatus(page)).state === 'saved', {
        timeoutMs: BROWSER_TIMEOUT_MS,
        description: 'status saved',
      })
    }
  })
  console.log(`nextjs: passed in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`)
} catch (error) {
  console.error('nextjs: FAILED', error)
  process.exitCode = 1
} finally {
  for (const cleanup of cleanups.reverse()) await cleanup()
}
