import { spawn } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { waitFor } from '../../helpers/wait-for.js'
import { freePort } from './redis-server.js'

const DOCS_NGINX = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../docs/nginx')
const NGINX_BINARY = '/usr/sbin/nginx'

/** Response header naming the instance that answered, added for tests only. */
export const UPSTREAM_HEADER = 'x-tandem-upstream'

export interface ClusterNginx {
  port: number
  httpUrl: string
  wsUrl: string
  output(): string
  stop(): Promise<void>
}

/**
 * Runs nginx with one of the committed configs from docs/nginx (so the documented config is the one
 * tested): its example upstream servers are replaced by `upstreamPorts`, its listen port by a free
 * one, and a header naming the answering upstream is added.
 */
export async function startClusterNginx(configName: string, upstreamPorts: number[]): Promise<ClusterNginx> {
  const prefix = mkdtempSync(path.join(os.tmpdir(), 'tandem-cluster-nginx-'))
  for (const dir of ['body', 'proxy', 'fcgi', 'uwsgi', 'scgi']) {
    mkdirSync(path.join(prefix, 'tmp', dir), { recursive: true })
    // As root, nginx's workers run as nobody and must write buffered bodies here.
    chmodSync(path.join(prefix, 'tmp', dir), 0o777)
  }
  chmodSync(path.join(prefix, 'tmp'), 0o777)
  const port = await freePort()
  let site = readFileSync(path.join(DOCS_NGINX, configName), 'utf8')
  const servers = upstreamPorts.map((p) => `  server 127.0.0.1:${p} max_fails=1 fail_timeout=5s;`).join('\n')
  const lines = site.split('\n')
  const firstServer = lines.findIndex((l) => /^\s*server\s+[\d.]+:\d+/.test(l))
  if (firstServer === -1) throw new Error(`${configName}: no upstream server lines`)
  site = [
    ...lines.slice(0, firstServer),
    servers,
    ...lines.slice(firstServer).filter((l) => !/^\s*server\s+[\d.]+:\d+/.test(l)),
  ].join('\n')
  if (!/\n\s*listen\s+80;/.test(site)) throw new Error(`${configName}: no "listen 80;"`)
  site = site.replace(
    /\n(\s*)listen\s+80;/,
    `\n$1listen 127.0.0.1:${port};\n$1add_header X-Tandem-Upstream $upstream_addr always;`,
  )
  writeFileSync(path.join(prefix, 'site.conf'), site)
  writeFileSync(
    path.join(prefix, 'nginx.conf'),
    `worker_processes 1;
daemon off;
pid ${prefix}/nginx.pid;
error_log stderr warn;
events { worker_connections 512; }
http {
  access_log off;
  client_body_temp_path ${prefix}/tmp/body;
  proxy_temp_path ${prefix}/tmp/proxy;
  fastcgi_temp_path ${prefix}/tmp/fcgi;
  uwsgi_temp_path ${prefix}/tmp/uwsgi;
  scgi_temp_path ${prefix}/tmp/scgi;
  include ${prefix}/site.conf;
}
`,
  )
  let output = ''
  const child = spawn(NGINX_BINARY, ['-p', prefix, '-c', path.join(prefix, 'nginx.conf'), '-e', 'stderr'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  let hasExited = false
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      hasExited = true
      resolve()
    }),
  )
  await waitFor(
    async () => {
      if (hasExited) throw new Error(`nginx exited:\n${output}`)
      const response = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null)
      return response !== null
    },
    { timeoutMs: 10_000, description: `nginx listening on ${port}` },
  )
  return {
    port,
    httpUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/collab`,
    output: () => output,
    async stop() {
      if (!hasExited) {
        child.kill('SIGTERM')
        await exited
      }
      rmSync(prefix, { recursive: true, force: true })
    },
  }
}

/** The instance port that answered, from the test header (the last one nginx tried). */
export function upstreamPort(headerValue: string | string[] | null | undefined): number | null {
  const value = Array.isArray(headerValue) ? headerValue.join(',') : headerValue
  const match = /:(\d+)\s*$/.exec(value ?? '')
  return match ? Number(match[1]) : null
}
