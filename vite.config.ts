import path from 'node:path'
import { fileURLToPath } from 'node:url'
import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

const root = path.dirname(fileURLToPath(import.meta.url))
/** The sync server the dev server forwards API and WebSocket traffic to (`npm start` runs it). */
const devBackend = process.env.TANDEM_DEV_BACKEND ?? 'http://127.0.0.1:1234'

/** Builds the web app into dist/client, which the server serves at `/` (server/create-server.ts). */
export default defineConfig({
  root: path.join(root, 'client/app'),
  plugins: [react()],
  build: {
    outDir: path.join(root, 'dist/client'),
    emptyOutDir: true,
    sourcemap: true,
    // The editor, Yjs and React are one cohesive app chunk (~250 KB gzip); no point warning about it.
    chunkSizeWarningLimit: 1200,
  },
  server: {
    proxy: {
      '/api': devBackend,
      '/collab': { target: devBackend.replace(/^http/, 'ws'), ws: true },
    },
  },
})
