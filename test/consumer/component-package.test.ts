import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { gzipSync } from 'node:zlib'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnServer, type ChildServer } from '../helpers/child-server.js'
import { launchChromium } from '../e2e/helpers/browser.js'
import { editorText, eventually, uniqueDocId } from '../e2e/helpers/editor-page.js'
import {
  installApp,
  lockedPackages,
  openNotesPage,
  packComponent,
  run,
  SERVER_ONLY_PACKAGES,
  serveStatic,
  shownStates,
  shownStatus,
  tempDir,
  timed,
  type PackedPackage,
  type StaticSite,
} from './consumer-app.js'

/** Packing, installing and building on a loaded two-core machine: minutes, not seconds. */
const STEP_TIMEOUT_MS = 300_000

/**
 * The component as a developer gets it (issue 21): `npm pack --workspace client`, installed into a
 * fresh Vite + React 19 app (test/consumer/apps/vite-react) in a temp folder, type-checked, built,
 * and served on an origin of its own, talking to a Tandem server on another.
 */
describe('the component package in a fresh Vite + React app', () => {
  let work: Awaited<ReturnType<typeof tempDir>>
  let packed: PackedPackage
  let appDir = ''

  beforeAll(async () => {
    work = await tempDir('vite-react')
    packed = await timed('npm pack --workspace client', () => packComponent(work.dir))
    appDir = await timed('npm install of the app and the tarball', () =>
      installApp('vite-react', work.dir, packed.tarball),
    )
  }, STEP_TIMEOUT_MS)

  afterAll(async () => {
    await work?.remove()
  })

  it('ships the compiled component only: no web app, no sources, source maps that carry theirs', async () => {
    expect(packed.files.filter((file) => !file.startsWith('dist/')).sort()).toEqual(['README.md', 'package.json'])
    const compiled = /\.(js|d\.ts|js\.map|css)$/
    expect(packed.files.filter((file) => file.startsWith('dist/') && !compiled.test(file))).toEqual([])
    expect(packed.files.filter((file) => file.startsWith('dist/client/app/'))).toEqual([])
    expect(packed.files).toContain('dist/style.css')
    const installedDir = path.join(appDir, 'node_modules/tandem')
    for (const map of packed.files.filter((file) => file.endsWith('.map'))) {
      const { sources, sourcesContent } = JSON.parse(await readFile(path.join(installedDir, map), 'utf8')) as {
        sources: string[]
        sourcesContent?: (string | null)[]
      }
      expect(sourcesContent?.filter((content) => typeof content === 'string').length, map).toBe(sources.length)
    }
  })

  it('brings no server package and runs no install script (no native build)', async () => {
    const installed = await lockedPackages(appDir)
    const names = new Set(installed.map((entry) => entry.name))
    expect(names.has('tandem')).toBe(true)
    expect(SERVER_ONLY_PACKAGES.filter((name) => names.has(name))).toEqual([])
    expect(installed.filter((entry) => entry.hasInstallScript).map((entry) => entry.location)).toEqual([])
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
    'type-checks with strict and without skipLibCheck (bundler and node10 resolution)',
    async () => {
      await timed('tsc (strict, no skipLibCheck)', () => run('npm', ['run', 'typecheck'], appDir))
    },
    STEP_TIMEOUT_MS,
  )

  /**
   * `site.url` is the app's origin and the only one `server` allows. A case about another server
   * (one whose ALLOWED_ORIGINS leaves the app out) spawns its own with spawnServer(), opens the app
   * with openNotesPage() pointing at it and reads what the page shows with shownStatus().
   */
  describe('built, on its own origin, with a Tandem server on another', () => {
    let site: StaticSite
    let server: ChildServer
    let browser: Browser
    const pages: Page[] = []

    beforeAll(async () => {
      await timed('vite build', () => run('npm', ['run', 'build'], appDir))
      await printBundleCost(path.join(appDir, 'dist'))
      site = await serveStatic(path.join(appDir, 'dist'))
      server = await timed('tandem serve', () =>
        spawnServer(['--port', '0', '--data-dir', path.join(work.dir, 'data')], { ALLOWED_ORIGINS: site.url }),
      )
      browser = await launchChromium()
    }, STEP_TIMEOUT_MS)

    afterAll(async () => {
      await Promise.all(pages.map((page) => page.context().close()))
      await browser?.close()
      server?.process.kill('SIGTERM')
      await server?.exited
      await site?.close()
    })

    async function open(docId: string, name: string): Promise<Page> {
      const page = await openNotesPage(browser, site.url, { serverUrl: server.httpUrl, docId, name })
      pages.push(page)
      await page.locator('.ProseMirror[contenteditable="true"]').waitFor()
      return page
    }

    it(
      'syncs what two pages type, and both reach saved over a WebSocket',
      async () => {
        const docId = uniqueDocId('consumer')
        const ada = await open(docId, 'Ada')
        const bob = await open(docId, 'Bob')
        await eventually(async () => (await shownStatus(ada)).state).toBe('saved')
        await eventually(async () => (await shownStatus(bob)).state).toBe('saved')

        await ada.locator('.ProseMirror').click()
        await ada.keyboard.type('Hello from Ada')
        await eventually(() => editorText(bob)).toContain('Hello from Ada')
        await bob.locator('.ProseMirror').click()
        await bob.keyboard.press('Control+End')
        await bob.keyboard.type(' and Bob')
        await eventually(() => editorText(ada)).toContain('and Bob')

        for (const page of [ada, bob]) {
          await eventually(() => shownStatus(page)).toEqual({ state: 'saved', transport: 'websocket', text: 'saved' })
        }
      },
      STEP_TIMEOUT_MS,
    )

    it(
      "shows error naming the origin and ALLOWED_ORIGINS, never offline, when the server refuses the app's origin",
      async () => {
        const refusing = await spawnServer(['--port', '0', '--data-dir', path.join(work.dir, 'data-refusing')], {
          ALLOWED_ORIGINS: 'https://app.example.com',
        })
        try {
          const page = await openNotesPage(browser, site.url, {
            serverUrl: refusing.httpUrl,
            docId: uniqueDocId('refused-origin'),
          })
          pages.push(page)
          await eventually(async () => (await shownStatus(page)).state).toBe('error')
          const status = await shownStatus(page)
          expect(status.text).toContain(`does not accept this page's origin (${site.url}).`)
          expect(status.text).toContain('Add it to ALLOWED_ORIGINS')
          // Refused before any transport carried a frame.
          expect(status.transport).toBe('')
          const states = await shownStates(page)
          expect(states).toContain('error') // the recorder saw the page's states…
          expect(states).not.toContain('offline') // …and offline was never one of them
          await page.locator('.ProseMirror[contenteditable="false"]').waitFor()
        } finally {
          refusing.process.kill('SIGTERM')
          await refusing.exited
        }
      },
      STEP_TIMEOUT_MS,
    )
  })
})

/** Prints what the component adds to an app's JavaScript (the lazily loaded editor chunks), gzipped. */
async function printBundleCost(distDir: string): Promise<void> {
  const assets = path.join(distDir, 'assets')
  const html = await readFile(path.join(distDir, 'index.html'), 'utf8')
  let eager = 0
  let lazy = 0
  for (const file of await readdir(assets)) {
    if (!file.endsWith('.js') && !file.endsWith('.css')) continue
    const gzip = gzipSync(await readFile(path.join(assets, file))).byteLength
    if (html.includes(`/assets/${file}`)) eager += gzip
    else lazy += gzip
  }
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`
  console.log(`consumer: the page loads ${kb(eager)} gzip (React, the app); the lazy editor ${kb(lazy)} gzip`)
}
