import { spawn, type ChildProcess } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { waitFor } from './wait-for.js'

const CONFIG_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../nginx/configs')
export const NGINX_BINARY = '/usr/sbin/nginx'

export interface NginxProxy {
  /** Port nginx listens on (127.0.0.1). */
  port: number
  httpUrl: string
  /** Swaps the site config (a file name in test/nginx/configs) and reloads nginx gracefully. */
  reload(site: string): Promise<void>
  /** Everything nginx wrote to stderr. */
  output(): string
  stop(): Promise<void>
}

/** A free TCP port on 127.0.0.1 (bound and released; nginx takes it right after). */
export async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/**
 * Runs Debian's nginx as a child process in front of `upstreamPort`, with `common.conf` plus one
 * site config from test/nginx/configs, generated into a temp prefix (no root paths, no daemon).
 */
export async function startNginx(site: string, upstreamPort: number): Promise<NginxProxy> {
  const prefix = mkdtempSync(path.join(os.tmpdir(), 'tandem-nginx-'))
  for (const dir of ['body', 'proxy', 'fcgi', 'uwsgi', 'scgi']) {
    mkdirSync(path.join(prefix, 'tmp', dir), { recursive: true })
    // As root, nginx's workers run as nobody and must write buffered bodies here.
    chmodSync(path.join(prefix, 'tmp', dir), 0o777)
  }
  chmodSync(path.join(prefix, 'tmp'), 0o777)
  const port = await freePort()
  const fill = (text: string) =>
    text
      .replaceAll('__PREFIX__', prefix)
      .replaceAll('__LISTEN_PORT__', String(port))
      .replaceAll('__UPSTREAM_PORT__', String(upstreamPort))
  const writeSite = (name: string) =>
    writeFileSync(path.join(prefix, 'site.conf'), fill(readFileSync(path.join(CONFIG_DIR, name), 'utf8')))
  writeFileSync(path.join(prefix, 'nginx.conf'), fill(readFileSync(path.join(CONFIG_DIR, 'common.conf'), 'utf8')))
  writeSite(site)

  let output = ''
  const child: ChildProcess = spawn(
    NGINX_BINARY,
    ['-p', prefix, '-c', path.join(prefix, 'nginx.conf'), '-e', 'stderr'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  let hasExited = false
  void exited.then(() => (hasExited = true))
  await waitFor(
    async () => {
      if (hasExited) throw new Error(`nginx exited:\n${output}`)
      return canConnect(port)
    },
    { timeoutMs: 10_000, description: `nginx listening on ${port}` },
  )
  const pidFile = path.join(prefix, 'nginx.pid')

  return {
    port,
    httpUrl: `http://127.0.0.1:${port}`,
    output: () => output,
    async reload(name: string) {
      writeSite(name)
      const before = output.length
      child.kill('SIGHUP')
      // A reload starts new workers; the old ones finish their requests and exit.
      await waitFor(() => /start worker process/.test(output.slice(before)), {
        timeoutMs: 10_000,
        description: 'nginx reloaded',
      })
    },
    async stop() {
      if (!hasExited) {
        child.kill('SIGTERM')
        await exited
      }
      rmSync(prefix, { recursive: true, force: true })
      void pidFile
    },
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}
