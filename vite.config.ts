import { spawnSync } from 'node:child_process'
import { copyFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import react from '@vitejs/plugin-react'
import { defineConfig, type Plugin } from 'vite'

const root = path.dirname(fileURLToPath(import.meta.url))
/** The sync server the dev server forwards API and WebSocket traffic to (`npm start` runs it). */
const devBackend = process.env.TANDEM_DEV_BACKEND ?? 'http://127.0.0.1:1234'
/** `vite build --mode app-only` skips the library (the browser tests need only the app). */
export const APP_ONLY_MODE = 'app-only'

/**
 * The package's "." export is the component compiled by tsc into dist/lib: React, Tiptap and Yjs stay
 * imports (the embedder's bundler dedupes them, React stays a peer) and the types come with it.
 * Running it here lets one `vite build` produce both the web app and the library.
 */
function libraryBuild(): Plugin {
  let isSkipped = false
  return {
    name: 'tandem-library',
    apply: 'build',
    configResolved(config) {
      isSkipped = config.mode === APP_ONLY_MODE
    },
    closeBundle() {
      if (isSkipped) return
      const outDir = path.join(root, 'dist/lib')
      rmSync(outDir, { recursive: true, force: true })
      const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
      const result = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'client/tsconfig.lib.json')], {
        stdio: 'inherit',
      })
      if (result.status !== 0)
        throw new Error('building the component library (tsc -p client/tsconfig.lib.json) failed')
      copyFileSync(path.join(root, 'client/editor/tandem-editor.css'), path.join(outDir, 'style.css'))
    },
  }
}

/** Builds the web app into dist/client, which the server serves at `/` (server/create-server.ts). */
export default defineConfig({
  root: path.join(root, 'client/app'),
  plugins: [react(), libraryBuild()],
  build: {
    outDir: path.join(root, 'dist/client'),
    emptyOutDir: true,
    sourcemap: true,
    // The editor, Yjs and React are one cohesive app chunk (~260 KB gzip); no point warning about it.
    chunkSizeWarningLimit: 1200,
  },
  server: {
    proxy: {
      '/api': devBackend,
      '/collab': { target: devBackend.replace(/^http/, 'ws'), ws: true },
    },
  },
})
