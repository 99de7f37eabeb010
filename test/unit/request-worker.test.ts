import { readdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { RequestWorker, threadEntry } from '../../server/threads/request-worker.js'
import { THREAD_ENTRIES } from '../../server/threads/thread-entries.js'
import type { TestRequest } from '../fixtures/threads/test-thread.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

describe('RequestWorker', () => {
  let worker: RequestWorker | null = null
  afterEach(async () => {
    await worker?.close()
    worker = null
  })

  function start(): RequestWorker {
    worker = new RequestWorker({
      entry: threadEntry(import.meta.url, '../fixtures/threads/test-thread'),
      name: 'test thread',
      workerData: () => ({ started: 'with this' }),
    })
    return worker
  }
  const ask = <T>(request: TestRequest) => worker!.request<T>(request)

  it('answers each request once, by its id, whatever order the answers come in', async () => {
    start()
    const answers = await Promise.all([
      ask({ do: 'echo-later', value: 'slow', afterMs: 50 }),
      ask({ do: 'echo', value: { fast: [1, 2] } }),
      ask({ do: 'worker-data' }),
    ])
    expect(answers).toEqual(['slow', { fast: [1, 2] }, { started: 'with this' }])
  })

  it("rejects with the thread's error message, named, and keeps serving", async () => {
    start()
    await expect(ask({ do: 'throw', message: 'no such table' })).rejects.toThrow('test thread failed: no such table')
    expect(await ask({ do: 'echo', value: 1 })).toBe(1)
  })

  it('fails what a dying thread held, and the next request starts a fresh one', async () => {
    start()
    const held = ask({ do: 'echo-later', value: 'never', afterMs: 10_000 })
    await expect(ask({ do: 'exit' })).rejects.toThrow('test thread stopped (exit code 3)')
    await expect(held).rejects.toThrow('test thread stopped (exit code 3)')
    expect(await ask({ do: 'echo', value: 'again' })).toBe('again')
  })

  it('replaces a thread that outlives a request’s deadline', async () => {
    start()
    expect(await ask({ do: 'echo', value: 'started' })).toBe('started')
    // The deadline counts from the request, so it is set once the thread is up (starting takes longer from source).
    worker!.timeoutMs = 200
    await expect(ask({ do: 'hang' })).rejects.toThrow('test thread took over 200 ms; worker replaced')
    worker!.timeoutMs = undefined
    expect(await ask({ do: 'echo', value: 'fresh' })).toBe('fresh')
  })

  it('starts again after close', async () => {
    start()
    expect(await ask({ do: 'echo', value: 'first' })).toBe('first')
    await worker!.close()
    expect(await ask({ do: 'echo', value: 'second' })).toBe('second')
  })
})

describe('threadEntry', () => {
  it('finds the entry beside the caller, in the caller’s own form', () => {
    expect(threadEntry('file:///app/dist/server/sync/compaction-worker.js', 'compaction-thread').href).toBe(
      'file:///app/dist/server/sync/compaction-thread.js',
    )
    expect(threadEntry('file:///cache/tandem.mjs', 'sqlite-writer-thread').href).toBe(
      'file:///cache/sqlite-writer-thread.mjs',
    )
    expect(threadEntry('file:///src/server/sync/compaction-worker.ts', 'compaction-thread').href).toBe(
      'file:///src/server/sync/compaction-thread.ts',
    )
  })

  it('is listed for bundling builds, every one of them', () => {
    const found = (dir: string): string[] =>
      readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory()
          ? found(path.join(dir, entry.name))
          : entry.name.endsWith('-thread.ts')
            ? [path.join(dir, entry.name)]
            : [],
      )
    expect([...THREAD_ENTRIES].sort()).toEqual(found('server').sort())
  })
})
