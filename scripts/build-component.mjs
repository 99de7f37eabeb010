#!/usr/bin/env node
// Builds the component package (client/, published as `tandem`) into client/dist: tsc compiles
// client/index.ts and what it imports (the shared/ modules included, so the package needs nothing
// of this repository), with declarations and source maps that carry their sources; the editor's
// and the comments' CSS become `tandem/style.css`. React, Tiptap and Yjs stay imports: the
// embedder's bundler dedupes them.
// The web app (client/app) is not part of it: it ships with the server package (build-server.mjs).
import { spawnSync } from 'node:child_process'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const clientDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../client')
const outDir = path.join(clientDir, 'dist')

// Stale files of an earlier build (a module since removed) would otherwise ship.
rmSync(outDir, { recursive: true, force: true })
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
const result = spawnSync(process.execPath, [tsc, '-p', path.join(clientDir, 'tsconfig.lib.json')], { stdio: 'inherit' })
if (result.status !== 0) {
  console.error('building the component (tsc -p client/tsconfig.lib.json) failed')
  process.exit(1)
}
// One stylesheet for embedders: the editor's, then the comments' (which build on its variables).
const STYLESHEETS = ['editor/tandem-editor.css', 'editor/comments/tandem-comments.css']
writeFileSync(
  path.join(outDir, 'style.css'),
  STYLESHEETS.map((file) => readFileSync(path.join(clientDir, file), 'utf8')).join('\n'),
)
