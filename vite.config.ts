import path from 'node:path'
import { fileURLToPath } from 'node:url'
import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

const root = path.dirname(fileURLToPath(import.meta.url))
/** The sync server the dev server forwards API and WebSocket traffic to (`npm start` runs it). */
const devBackend = process.env.TANDEM_DEV_BACKEND ?? 'http://127.0.0.1:1234'

/**
 * Builds the web app (client/app) into server/dist/web-app: it ships with the server package, which
 * serves it at `/` (server/create-server.ts). The component package is built by tsc on its own
 * (scripts/build-component.mjs) and holds nothing of the app.
 */
export default defineConfig({
  root: path.join(root, 'client/app'),
  plugins: [react()],
  build: {
    outDir: path.join(root, 'server/dist/web-app'),
    emptyOutDir: true,
    // Vite's maps embed their sources (sourcesContent), so a stack trace from production reads back.
    sourcemap: true,
    // The editor, Yjs and React are one cohesive app chunk (~260 KB gzip); no point warning about it.
    chunkSizeWarningLimit: 1200,
  },
  server: {
    proxy: {
      '/api': devBackend,
      // Sign-in (OIDC_ISSUER on the backend); its redirects lead to PUBLIC_URL, the backend's address.
      '/auth': devBackend,
      '/collab': { target: devBackend.replace(/^http/, 'ws'), ws: true },
    },
  },
})
