import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createServer, MemoryDocStore, type ServerOptions, type TandemServer } from '../../../server/index.js'
import { uniqueDocId } from './editor-page.js'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
/** Where the server package's build puts the web app (vite.config.ts), and where the server looks for it. */
export const WEB_APP_DIST = path.join(repoRoot, 'server/dist/web-app')
const INDEX_HTML = path.join(WEB_APP_DIST, 'index.html')
/** One build at a time across vitest workers: a second build would empty the web app's directory under the first. */
const LOCK_DIR = path.join(tmpdir(), `tandem-e2e-build-${Buffer.from(repoRoot).toString('hex').slice(-24)}.lock`)
/** A lock older than this was left by a crashed run. */
const STALE_LOCK_MS = 120_000

/** Build outputs and installed packages inside a source folder are not sources. */
const NOT_SOURCES = new Set(['dist', 'node_modules'])

function newestMtime(dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (NOT_SOURCES.has(entry.name)) continue
    const full = path.join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs)
  }
  return newest
}

function isBuildCurrent(): boolean {
  if (!existsSync(INDEX_HTML)) return false
  const sources = Math.max(
    newestMtime(path.join(repoRoot, 'client')),
    newestMtime(path.join(repoRoot, 'shared')),
    statSync(path.join(repoRoot, 'vite.config.ts')).mtimeMs,
  )
  return statSync(INDEX_HTML).mtimeMs >= sources
}

async function acquireLock(): Promise<void> {
  for (;;) {
    try {
      mkdirSync(LOCK_DIR)
      return
    } catch {
      const lock = statSync(LOCK_DIR, { throwIfNoEntry: false })
      if (lock && Date.now() - lock.mtimeMs > STALE_LOCK_MS) rmSync(LOCK_DIR, { recursive: true, force: true })
      await new Promise((resolve) => setTimeout(resolve, 100)) // polling a lock held by another process
    }
  }
}

/**
 * Builds the web app into server/dist/web-app with Vite's JS API (the server serves it from there), unless
 * a build newer than every client source is already there.
 */
export async function ensureWebAppBuilt(): Promise<void> {
  if (isBuildCurrent()) return
  await acquireLock()
  try {
    if (isBuildCurrent()) return
    const { build } = await import('vite')
    // Vitest sets NODE_ENV=test, which Vite would pass on: React's development build, 30% larger
    // and slower. Test what ships.
    const nodeEnv = process.env.NODE_ENV
    process.env.NODE_ENV = 'production'
    await build({
      configFile: path.join(repoRoot, 'vite.config.ts'),
      logLevel: 'warn',
      build: { sourcemap: false },
    }).finally(() => {
      process.env.NODE_ENV = nodeEnv
    })
    if (!existsSync(INDEX_HTML)) throw new Error('vite build produced no index.html')
  } finally {
    rmSync(LOCK_DIR, { recursive: true, force: true })
  }
}

export interface RunningApp {
  server: TandemServer
  url: string
  close(): Promise<void>
}

/** The real server on a free port with in-memory storage, serving the built app. */
export async function startApp(options: Pick<ServerOptions, 'authSecret' | 'limits'> = {}): Promise<RunningApp> {
  await ensureWebAppBuilt()
  const server = await createServer({ port: 0, store: new MemoryDocStore(), logLevel: 'warn', ...options })
  const { url } = await server.listen()
  return { server, url, close: () => server.close() }
}

/** Creates a document from Markdown on the app's server, with a fresh id from `label`; returns the id. */
export async function documentWith(app: RunningApp, label: string, markdown: string): Promise<string> {
  const docId = uniqueDocId(label)
  await app.server.documents.create({ docId, title: label, content: { source: markdown, format: 'markdown' } })
  return docId
}
