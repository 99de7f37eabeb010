import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { ThreadMessage, ThreadReply } from './serve-requests.js'

export interface RequestWorkerOptions {
  /** The thread's entry module (threadEntry()); it answers through serveRequests(). */
  entry: URL
  /** Handed to the thread as `workerData` each time one starts. */
  workerData: () => unknown
  /** Names the worker in errors ("SQLite writer", "compaction merge"). */
  name: string
  /** A request unanswered after this long: the worker is taken as hung and replaced. */
  timeoutMs?: number
}

interface Waiting {
  resolve: (value: never) => void
  reject: (error: Error) => void
  timer: NodeJS.Timeout | null
}

/**
 * The thread entry `name` beside the module at `moduleUrl` (pass `import.meta.url`), in that
 * module's own form: `.js` compiled by tsc (npm start), `.mjs` in the bench's esbuild bundle, `.ts`
 * when the server runs from source (vitest, tsx). Every build that compiles the server emits the
 * entries beside it (bench/lib/server-process.ts bundles THREAD_ENTRIES).
 */
export function threadEntry(moduleUrl: string, name: string): URL {
  return new URL(`./${name}${path.extname(fileURLToPath(moduleUrl))}`, moduleUrl)
}

/**
 * A TypeScript entry (development only) starts in this JavaScript file, which registers tsx's loader
 * and then imports the entry: a worker's own entry module is loaded before any --import hook could
 * apply to it (Node 20). tsx is a devDependency; compiled entries never come here.
 */
const TYPESCRIPT_ENTRY_LOADER = 'load-typescript-entry.mjs'

/**
 * Requests to a worker thread, each answered once. The thread starts on first use and is
 * referenced only while a request is outstanding (an idle worker never keeps the process alive). A
 * worker that dies, or outlives a request's deadline, fails everything it held; the next request
 * starts a fresh one.
 */
export class RequestWorker {
  private worker: Worker | null = null
  private readonly waiting = new Map<number, Waiting>()
  private nextId = 1
  /** Settable for tests. */
  timeoutMs: number | undefined

  constructor(private readonly options: RequestWorkerOptions) {
    this.timeoutMs = options.timeoutMs
  }

  request<T>(request: unknown, transfer: ArrayBuffer[] = []): Promise<T> {
    const worker = this.worker ?? this.start()
    const id = this.nextId++
    return new Promise<T>((resolve, reject) => {
      const timeoutMs = this.timeoutMs
      const timer =
        timeoutMs === undefined
          ? null
          : setTimeout(() => {
              worker.terminate().catch(() => undefined)
              this.fail(worker, new Error(`${this.options.name} took over ${timeoutMs} ms; worker replaced`))
            }, timeoutMs)
      timer?.unref()
      this.waiting.set(id, { resolve: resolve as (value: never) => void, reject, timer })
      worker.ref()
      worker.postMessage({ id, request } satisfies ThreadMessage<unknown>, transfer)
    })
  }

  /** Starts the thread now rather than on the first request. */
  warm(): void {
    this.worker ??= this.start()
  }

  /** Lets the worker release what it holds and exit; call after the last request settled. */
  async close(): Promise<void> {
    const worker = this.worker
    if (!worker) return
    this.worker = null
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()))
    worker.ref()
    worker.postMessage({ close: true } satisfies ThreadMessage<unknown>)
    await exited
  }

  private start(): Worker {
    const { entry } = this.options
    const workerData = this.options.workerData()
    const worker = entry.pathname.endsWith('.ts')
      ? new Worker(new URL(`./${TYPESCRIPT_ENTRY_LOADER}`, import.meta.url), { workerData, argv: [entry.href] })
      : new Worker(entry, { workerData })
    worker.unref()
    worker.on('message', (reply: ThreadReply) => {
      const waiting = this.waiting.get(reply.id)
      if (!waiting) return
      this.waiting.delete(reply.id)
      if (waiting.timer) clearTimeout(waiting.timer)
      if (this.waiting.size === 0) worker.unref()
      if ('error' in reply) waiting.reject(new Error(`${this.options.name} failed: ${reply.error}`))
      else waiting.resolve(reply.value as never)
    })
    worker.on('error', (error) => this.fail(worker, error))
    worker.on('exit', (code) => this.fail(worker, new Error(`${this.options.name} stopped (exit code ${code})`)))
    this.worker = worker
    return worker
  }

  private fail(worker: Worker, error: Error): void {
    if (this.worker === worker) this.worker = null
    else if (this.worker !== null) return // an older worker's exit: its requests were failed already
    for (const waiting of this.waiting.values()) {
      if (waiting.timer) clearTimeout(waiting.timer)
      waiting.reject(error)
    }
    this.waiting.clear()
  }
}
