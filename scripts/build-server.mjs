#!/usr/bin/env node
// Builds the server package (server/, published as `tandem-server`) into server/dist:
//   dist/server, dist/shared  the server compiled by tsc (shared/ included), with declarations and
//                             source maps that carry their sources; bin/tandem.js runs dist/server/cli.js
//   dist/web                  the web app (client/app) built by Vite, which the server serves at /
import { spawnSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'vite'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const serverDir = path.join(root, 'server')

// Stale files of an earlier build (a module since removed) would otherwise ship.
rmSync(path.join(serverDir, 'dist'), { recursive: true, force: true })
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
const result = spawnSync(process.execPath, [tsc, '-p', path.join(serverDir, 'tsconfig.build.json')], {
  stdio: 'inherit',
})
if (result.status !== 0) {
  console.error('building the server (tsc -p server/tsconfig.build.json) failed')
  process.exit(1)
}
await build({ configFile: path.join(root, 'vite.config.ts') })
