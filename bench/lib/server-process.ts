import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { build } from 'esbuild'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { THREAD_ENTRIES } from '../../server/threads/thread-entries.js'
import type { ChildMessage, ControlMessage } from '../servers/child-control.js'
import { cpuSeconds, memoryStats, threadTimes, type MemoryStats, type ThreadTime } from './proc-stats.js'

export const SERVER_KINDS = ['tandem', 'y-websocket', 'hocuspocus', 'hocuspocus-sqlite', 'relay'] as const
export type ServerKind = (typeof SERVER_KINDS)[number]

/** Which servers hold document state (and so can answer a joiner's SyncStep1 or load from storage). */
export function holdsDocuments(kind: ServerKind): boolean {
  return kind !== 'relay'
}

/**
 * Which servers can start with a prepared document (Tandem from its data directory, the memory
 * anchors from a snapshot file): Hocuspocus with SQLite loads only from its own database.
 */
export function loadsPreparedDocuments(kind: ServerKind): boolean {
  return holdsDocuments(kind) && kind !== 'hocuspocus-sqlite'
}

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const START_TIMEOUT_MS = 30_000
const STOP_TIMEOUT_MS = 10_000

export interface StartOptions {
  /** Anchors load documents from `<dir>/<name>.bin`; Tandem ignores it. */
  snapshotDir?: string
  /** Reuse Tandem's SQLite directory (cold restart); a fresh temp dir otherwise. */
  dataDir?: string
  /** Extra environment for the server process (bench/servers/tandem.ts reads BENCH_DATABASE_URL, BENCH_REDIS_URL). */
  env?: Record<string, string>
}

/**
 * Inside node_modules so the built entries resolve their packages (the SQLite writer thread finds
 * better-sqlite3) exactly as the sources do.
 */
const BUILD_DIR = path.join(REPO_ROOT, 'node_modules/.cache/tandem-bench')
let built: Promise<void> | null = null

/**
 * Every server runs as plain JavaScript with no TypeScript loader, as `npm start` runs Tandem
 * (compiled by tsc). Under tsx, Tandem's own code was transformed with esbuild's keepNames: every
 * named arrow function got its `name` redefined, which gives it a 256-byte property dictionary
 * (two such functions per connection: 0.6 KiB more heap per idle connection, measured with heap
 * snapshots), and a loader thread ran beside the server. The anchors' code comes from node_modules
 * and was never transformed, so only Tandem paid. One esbuild pass (under a second) builds all four
 * entries and Tandem's worker threads, each beside the bundles under its own name (where the
 * bundled code looks for it); packages stay external, loaded from node_modules; code shared by entries
 * and what is imported dynamically go in chunks, loaded when first imported.
 */
function buildEntries(): Promise<void> {
  built ??= build({
    entryPoints: [
      ...SERVER_KINDS.map((kind) => ({ in: path.join(REPO_ROOT, 'bench/servers', `${kind}.ts`), out: kind })),
      ...THREAD_ENTRIES.map((entry) => ({ in: path.join(REPO_ROOT, entry), out: path.basename(entry, '.ts') })),
    ],
    outdir: BUILD_DIR,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    // Dynamic imports stay dynamic, as in tsc's output: without splitting esbuild inlines them, and
    // Tandem's content converters (HTML import and export pull in happy-dom) would load at start-up:
    // 31 MiB of heap after start against the shipped server's 18, which takes them only on its first
    // import or export. Every major garbage collection marks that heap again.
    splitting: true,
    chunkNames: 'chunk-[name]-[hash]',
    logLevel: 'warning',
  }).then(() => undefined)
  return built
}

/** Set by `--cpu-prof <dir>`: every server process writes a V8 CPU profile there when it stops. */
let cpuProfileDir: string | undefined
export function profileServersInto(dir: string | undefined): void {
  cpuProfileDir = dir
}

/** One server under test, in its own process so its CPU and RSS can be read from /proc. */
export class ServerProcess {
  private constructor(
    readonly kind: ServerKind,
    readonly port: number,
    readonly dataDir: string,
    private readonly child: ChildProcess,
    private readonly ownsDataDir: boolean,
  ) {}

  static async start(kind: ServerKind, options: StartOptions = {}): Promise<ServerProcess> {
    const ownsDataDir = options.dataDir === undefined
    const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'tandem-bench-'))
    await buildEntries()
    const script = path.join(BUILD_DIR, `${kind}.mjs`)
    // --expose-gc lets the harness collect garbage before reading RSS, the same way for every server.
    // One directory per kind, default file names: worker threads (Tandem's SQLite writer) write
    // profiles of their own, and a fixed name would let one overwrite the main thread's.
    const profiling = cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${path.join(cpuProfileDir, kind)}`] : []
    const child = spawn(process.execPath, [...profiling, '--expose-gc', script], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      env: {
        ...process.env,
        BENCH_DATA_DIR: dataDir,
        BENCH_SNAPSHOT_DIR: options.snapshotDir ?? '',
        NODE_ENV: 'production',
        ...options.env,
      },
    })
    try {
      const port = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`${kind} did not start within ${START_TIMEOUT_MS} ms`)),
          START_TIMEOUT_MS,
        )
        child.once('exit', (code) => reject(new Error(`${kind} exited with ${code} before it was ready`)))
        child.on('message', (message: ChildMessage) => {
          if (message.type === 'ready') {
            clearTimeout(timer)
            resolve(message.port)
          }
        })
      })
      return new ServerProcess(kind, port, dataDir, child, ownsDataDir)
    } catch (error) {
      child.kill('SIGKILL')
      throw error
    }
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error('server process has no pid')
    return this.child.pid
  }

  /** WebSocket URL for a document, in this server's dialect. */
  urlFor(docId: string, query = ''): string {
    const base = `ws://127.0.0.1:${this.port}`
    switch (this.kind) {
      case 'tandem':
        return `${base}/collab/${docId}${query}`
      case 'hocuspocus':
      case 'hocuspocus-sqlite':
        // The document name travels inside every frame; the path is not used.
        return `${base}/`
      default:
        return `${base}/${docId}`
    }
  }

  cpuSeconds(): number {
    return cpuSeconds(this.pid)
  }

  /** Per-thread CPU time and run counts now (see threadSplit). */
  threadTimes(): Map<number, ThreadTime> {
    return threadTimes(this.pid)
  }

  memory(): MemoryStats {
    return memoryStats(this.pid)
  }

  /** RSS after a full garbage collection in the server, so heap slack does not count as cost. */
  async settledMemory(): Promise<MemoryStats & { heapUsedBytes: number }> {
    const { heapUsedBytes } = await this.request({ type: 'gc' }, 'gc-done', 10_000)
    return { ...this.memory(), heapUsedBytes }
  }

  /** Writes a V8 heap snapshot of the server (after a full collection) to `file`. */
  async heapSnapshot(file: string): Promise<void> {
    await this.request({ type: 'heap-snapshot', path: file }, 'heap-snapshot-done', 120_000)
  }

  /** Graceful stop (Tandem commits and closes SQLite); killed if it takes too long. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()))
      try {
        this.child.send({ type: 'stop' } satisfies ControlMessage)
      } catch {
        this.child.kill('SIGKILL')
      }
      const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS)
      await exited
      clearTimeout(timer)
    }
    if (this.ownsDataDir) rmSync(this.dataDir, { recursive: true, force: true })
  }

  private request<T extends ChildMessage['type']>(
    message: ControlMessage,
    reply: T,
    timeoutMs: number,
  ): Promise<Extract<ChildMessage, { type: T }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.child.off('message', onMessage)
        reject(new Error(`${this.kind}: no ${reply} within ${timeoutMs} ms`))
      }, timeoutMs)
      const onMessage = (received: ChildMessage): void => {
        if (received.type !== reply) return
        clearTimeout(timer)
        this.child.off('message', onMessage)
        resolve(received as Extract<ChildMessage, { type: T }>)
      }
      this.child.on('message', onMessage)
      this.child.send(message)
    })
  }
}
