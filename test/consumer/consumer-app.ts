import { execFile } from 'node:child_process'
import { cp, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import express from 'express'
import type { Browser, Page } from 'playwright-core'

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const APPS_DIR = path.join(REPO_ROOT, 'test/consumer/apps')

/** Packages only the server needs: the component's install must bring none of them (issue 21). */
export const SERVER_ONLY_PACKAGES = [
  'better-sqlite3',
  'pg',
  'ioredis',
  'express',
  'pino',
  'prom-client',
  'happy-dom',
] as const

/** npm as a developer runs it: fast on a warm cache, without audit or funding chatter. */
const NPM_INSTALL_FLAGS = ['--no-audit', '--no-fund', '--prefer-offline']

/**
 * The environment of a developer's shell, not of this test run: without the npm_* variables `npm
 * test` sets (they describe the repository's own install), and without Vitest's NODE_ENV=test and
 * VITEST*, with which Vite would build React's development bundle into the app.
 */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const isTestRunVariable = (name: string) =>
    name.toLowerCase().startsWith('npm_') || name.startsWith('VITEST') || name === 'NODE_ENV'
  return { ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !isTestRunVariable(name))), ...extra }
}

/** Runs a command to completion; fails with everything it printed. */
export function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, env: cleanEnv(env), maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout}\n${stderr}`))
      else resolve(stdout)
    })
  })
}

/** Runs `step`, printing how long it took: the suite's time budget is kept by reading these. */
export async function timed<T>(label: string, step: () => Promise<T>): Promise<T> {
  const startedAt = performance.now()
  try {
    return await step()
  } finally {
    console.log(`consumer: ${label} took ${((performance.now() - startedAt) / 1000).toFixed(1)} s`)
  }
}

/** A fresh temp directory, removed by the returned function. */
export async function tempDir(label: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), `tandem-consumer-${label}-`))
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) }
}

export interface PackedPackage {
  /** The tarball's path. */
  tarball: string
  /** Every file in it, relative to the package's root (`dist/client/index.js`, `package.json`…). */
  files: string[]
}

/**
 * `npm pack --workspace client`, the component's public packing command: its prepack builds
 * client/dist first.
 */
export async function packComponent(destination: string): Promise<PackedPackage> {
  const output = await run(
    'npm',
    ['pack', '--workspace', 'client', '--pack-destination', destination, '--json'],
    REPO_ROOT,
  )
  const [packed] = JSON.parse(output) as { filename: string; files: { path: string }[] }[]
  return { tarball: path.join(destination, packed!.filename), files: packed!.files.map((file) => file.path) }
}

/**
 * The server package as `npm pack --workspace server` would pack it, compiled into a staging
 * folder instead of server/dist: tests running beside this one serve the web app from there.
 * Only its compiled code and types go in, not the web app: this tarball is for type checks.
 */
export async function packServerTypes(destination: string): Promise<string> {
  const stage = path.join(destination, 'tandem-server')
  await mkdir(stage, { recursive: true })
  await cp(path.join(REPO_ROOT, 'server/package.json'), path.join(stage, 'package.json'))
  await cp(path.join(REPO_ROOT, 'server/bin'), path.join(stage, 'bin'), { recursive: true })
  const tsc = path.join(REPO_ROOT, 'node_modules/typescript/bin/tsc')
  const tsconfig = path.join(REPO_ROOT, 'server/tsconfig.build.json')
  await run(process.execPath, [tsc, '-p', tsconfig, '--outDir', path.join(stage, 'dist')], REPO_ROOT)
  // --ignore-scripts: the staging folder is packed as it is (its prepack builds from the repository).
  const output = await run(
    'npm',
    ['pack', stage, '--ignore-scripts', '--pack-destination', destination, '--json'],
    destination,
  )
  const [packed] = JSON.parse(output) as { filename: string }[]
  return path.join(destination, packed!.filename)
}

/**
 * Copies test/consumer/apps/<app> into `dir` and installs its dependencies plus `tarball` from the
 * registry (through npm's cache when it has them), as a developer would: `npm install <tarball>`.
 */
export async function installApp(
  app: string,
  dir: string,
  tarball: string,
  { ignoreScripts = false }: { ignoreScripts?: boolean } = {},
): Promise<string> {
  const appDir = path.join(dir, app)
  await cp(path.join(APPS_DIR, app), appDir, { recursive: true })
  const flags = ignoreScripts ? [...NPM_INSTALL_FLAGS, '--ignore-scripts'] : NPM_INSTALL_FLAGS
  await run('npm', ['install', ...flags, tarball], appDir)
  return appDir
}

export interface LockedPackage {
  /** The install path, e.g. `node_modules/@tiptap/core` or a nested `node_modules/a/node_modules/b`. */
  location: string
  /** The package's name (the last `node_modules/` segment of its location). */
  name: string
  version: string
  /** npm records this for packages with install scripts (a native build among them). */
  hasInstallScript: boolean
}

/** Every package installed in `appDir`, from its package-lock.json. */
export async function lockedPackages(appDir: string): Promise<LockedPackage[]> {
  const lock = JSON.parse(await readFile(path.join(appDir, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version?: string; hasInstallScript?: boolean }>
  }
  return Object.entries(lock.packages)
    .filter(([location]) => location.includes('node_modules/'))
    .map(([location, entry]) => ({
      location,
      name: location.slice(location.lastIndexOf('node_modules/') + 'node_modules/'.length),
      version: entry.version ?? '',
      hasInstallScript: entry.hasInstallScript === true,
    }))
}

export interface StaticSite {
  /** The site's origin, `http://127.0.0.1:<port>`. */
  url: string
  close(): Promise<void>
}

/** Serves a built app's folder on its own origin (a free port on 127.0.0.1). */
export async function serveStatic(dir: string): Promise<StaticSite> {
  const server = await new Promise<Server>((resolve) => {
    const listening = express()
      .use(express.static(dir))
      .listen(0, '127.0.0.1', () => resolve(listening))
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

export interface NotesPageOptions {
  /** The Tandem server's URL (`serverUrl` of the component). */
  serverUrl: string
  docId: string
  token?: string
  name?: string
}

/**
 * Runs in the page before the app (an init script; a string, as the tests compile without DOM
 * types): records every `data-state` the status line ever carries, so a test can tell that a state
 * was never shown, however briefly.
 */
const RECORD_SHOWN_STATES = `
  const seen = new Set()
  window.shownStates = () => [...seen]
  new MutationObserver((records) => {
    for (const record of records) {
      if (record.type === 'attributes' && record.oldValue !== null) seen.add(record.oldValue)
    }
    const state = document.querySelector('[role="status"]')?.getAttribute('data-state')
    if (state) seen.add(state)
  }).observe(document, { subtree: true, childList: true, attributeFilter: ['data-state'], attributeOldValue: true })
`

/**
 * Opens the consumer app (apps/vite-react) in a browser profile of its own, so nothing is shared
 * between pages but the server: no IndexedDB copy, no BroadcastChannel between tabs.
 */
export async function openNotesPage(browser: Browser, appUrl: string, options: NotesPageOptions): Promise<Page> {
  const context = await browser.newContext()
  await context.addInitScript(RECORD_SHOWN_STATES)
  const page = await context.newPage()
  const query = new URLSearchParams({ server: options.serverUrl, doc: options.docId })
  if (options.token) query.set('token', options.token)
  if (options.name) query.set('name', options.name)
  await page.goto(`${appUrl}/?${query.toString()}`)
  return page
}

export interface ShownStatus {
  /** SyncStatus.state as the app shows it (`connecting`, `saved`, `error`…), '' before the first. */
  state: string
  /** SyncStatus.transport; '' while none carries frames. */
  transport: string
  /** What the app prints: the state, or the error's message in state `error`. */
  text: string
}

/** The status line the consumer app renders from `onStatusChange`. */
export async function shownStatus(page: Page): Promise<ShownStatus> {
  const status = page.getByRole('status')
  return {
    state: (await status.getAttribute('data-state')) ?? '',
    transport: (await status.getAttribute('data-transport')) ?? '',
    text: (await status.textContent()) ?? '',
  }
}

/** Every state the status line has shown since the page opened (`connecting`, `saved`…), in no order. */
export function shownStates(page: Page): Promise<string[]> {
  return page.evaluate<string[]>('window.shownStates()')
}
