import { mkdtempSync, rmSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** The embedding page (the component in an app of its own; a `window.tandem` test API). */
const PAGE_DIR = path.dirname(fileURLToPath(import.meta.url))

export interface EmbedPageServers {
  /** One `http://127.0.0.1:<port>` per requested copy: the same page on as many origins. */
  origins: string[]
  close(): Promise<void>
}

/**
 * Builds the page in this folder with Vite (it imports the component's TypeScript) and serves the
 * result from `copies` servers, each on its own port and so its own origin, as an app on another
 * origin than the Tandem server is. Anything that is not a built file is a plain 404, as from any
 * static host.
 */
export async function serveEmbedPage(copies: number): Promise<EmbedPageServers> {
  const outDir = mkdtempSync(path.join(tmpdir(), 'tandem-embed-page-'))
  try {
    const [{ build }, { default: react }] = await Promise.all([import('vite'), import('@vitejs/plugin-react')])
    await build({
      root: PAGE_DIR,
      configFile: false,
      logLevel: 'warn',
      plugins: [react()],
      build: { outDir, emptyOutDir: true, sourcemap: false },
    })
  } catch (error) {
    rmSync(outDir, { recursive: true, force: true })
    throw error
  }
  const servers: http.Server[] = []
  for (let i = 0; i < copies; i++) {
    const server = http.createServer((request, response) => {
      const pathname = new URL(request.url ?? '/', 'http://x').pathname
      const target = path.join(outDir, pathname === '/' ? 'index.html' : path.normalize(pathname))
      if (!target.startsWith(outDir)) return void response.writeHead(404).end()
      readFile(target).then(
        (body) => response.writeHead(200, { 'content-type': contentType(target) }).end(body),
        () => response.writeHead(404, { 'content-type': 'text/plain' }).end('not found'),
      )
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    servers.push(server)
  }
  return {
    origins: servers.map((server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    close: async () => {
      for (const server of servers) {
        server.closeAllConnections()
        await new Promise((resolve) => server.close(resolve))
      }
      rmSync(outDir, { recursive: true, force: true })
    },
  }
}

function contentType(file: string): string {
  if (file.endsWith('.js')) return 'text/javascript'
  if (file.endsWith('.css')) return 'text/css'
  return 'text/html; charset=utf-8'
}
