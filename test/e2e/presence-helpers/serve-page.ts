import { mkdtempSync, rmSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** The presence pages (one TandemProvider, no editor, a `window.tandem` test API). */
const PAGE_DIR = path.dirname(fileURLToPath(import.meta.url))

export interface PresencePageServer {
  /** `http://127.0.0.1:<port>/`; the page takes `doc`, `name`, `server` and `presence` query parameters. */
  url: string
  close(): Promise<void>
}

/**
 * Builds the presence pages in this folder with Vite (they import the client's TypeScript) and
 * serves the result on a free port; used by test/e2e/presence-webrtc.test.ts and bench:presence.
 */
export async function servePresencePage(pages: readonly string[] = ['index.html']): Promise<PresencePageServer> {
  const outDir = mkdtempSync(path.join(tmpdir(), 'tandem-presence-page-'))
  try {
    const { build } = await import('vite')
    await build({
      root: PAGE_DIR,
      configFile: false,
      logLevel: 'warn',
      build: { outDir, emptyOutDir: true, rollupOptions: { input: pages.map((page) => path.join(PAGE_DIR, page)) } },
    })
  } catch (error) {
    rmSync(outDir, { recursive: true, force: true })
    throw error
  }
  const server = http.createServer((request, response) => {
    const file = path.join(outDir, path.normalize(new URL(request.url ?? '/', 'http://x').pathname))
    const target = file.endsWith(path.sep) ? path.join(file, 'index.html') : file
    if (!target.startsWith(outDir)) return void response.writeHead(404).end()
    readFile(target).then(
      (body) => {
        const type = target.endsWith('.js') ? 'text/javascript' : 'text/html'
        response.writeHead(200, { 'content-type': type }).end(body)
      },
      () => response.writeHead(404).end(),
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: async () => {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
      rmSync(outDir, { recursive: true, force: true })
    },
  }
}

/** A browser-context init script: the page has no WebRTC (presence must go through the relay). */
export function removeWebRtc(): void {
  const scope = globalThis as Record<string, unknown>
  delete scope.RTCPeerConnection
  delete scope.webkitRTCPeerConnection
}
