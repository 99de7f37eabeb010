import { existsSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createServer, MemoryDocStore, type TandemServer } from '../../../server/index.js'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
export const CLIENT_DIST = path.join(repoRoot, 'dist/client')

/** Builds the web app into dist/client with Vite's JS API (the server serves it from there). */
export async function buildWebApp(): Promise<void> {
  const { build } = await import('vite')
  await build({ configFile: path.join(repoRoot, 'vite.config.ts'), logLevel: 'warn', build: { sourcemap: false } })
  if (!existsSync(path.join(CLIENT_DIST, 'index.html'))) throw new Error('vite build produced no index.html')
}

export function isWebAppBuilt(): boolean {
  const index = path.join(CLIENT_DIST, 'index.html')
  return existsSync(index) && statSync(index).size > 0
}

export interface RunningApp {
  server: TandemServer
  url: string
  close(): Promise<void>
}

/** The real server on a free port with in-memory storage, serving the built app. */
export async function startApp(): Promise<RunningApp> {
  const server = await createServer({ port: 0, store: new MemoryDocStore(), logLevel: 'warn' })
  const { url } = await server.listen()
  return { server, url, close: () => server.close() }
}
