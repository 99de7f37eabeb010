#!/usr/bin/env node
// The `tandem` command of the server package: runs the compiled CLI (dist/server/cli.js); in a
// source checkout without a build, runs the TypeScript (server/cli.ts) through tsx.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const compiled = fileURLToPath(new URL('../dist/server/cli.js', import.meta.url))
if (existsSync(compiled)) {
  await import(compiled)
} else {
  try {
    const { register } = await import('tsx/esm/api')
    register()
  } catch {
    console.error('tandem: the server is not built. Run `npm run build` first.')
    process.exit(1)
  }
  await import(new URL('../cli.ts', import.meta.url).href)
}
