#!/usr/bin/env node
// Runs the compiled CLI; in a source checkout without a build, runs the TypeScript through tsx.
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
    console.error('tandem: the server is not built. Run `npm run build` (or `npm install`) first.')
    process.exit(1)
  }
  await import(new URL('../server/cli.ts', import.meta.url).href)
}
