import { spawn, type ChildProcess } from 'node:child_process'
import net from 'node:net'
import { waitFor } from '../../helpers/wait-for.js'

/** A free TCP port on 127.0.0.1 (bound once and released, so a child process can take it). */
export async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** Sends PING on a fresh connection; true when the answer is PONG. */
function pong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    socket.setTimeout(1_000, () => socket.destroy())
    socket.on('error', () => resolve(false))
    socket.on('close', () => resolve(false))
    socket.on('connect', () => socket.write('PING\r\n'))
    socket.on('data', (data) => {
      resolve(data.toString().startsWith('+PONG'))
      socket.destroy()
    })
  })
}

/**
 * A redis-server of the test's own (never the machine's shared one, since tests kill it), without
 * persistence: a restart comes back empty, as after a crash with pub/sub only.
 */
export class TestRedis {
  private child: ChildProcess | null = null

  private constructor(readonly port: number) {}

  static async start(): Promise<TestRedis> {
    const redis = new TestRedis(await freePort())
    await redis.restart()
    return redis
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`
  }

  /** The running redis-server's pid (for synchronous clean-up in an 'exit' handler). */
  get pid(): number | undefined {
    return this.child?.pid
  }

  /** Starts (again) on the same port and resolves once it answers. */
  async restart(): Promise<void> {
    if (this.child) throw new Error('redis-server is already running')
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    )
    this.child = child
    child.on('exit', () => {
      if (this.child === child) this.child = null
    })
    await waitFor(() => pong(this.port), { timeoutMs: 10_000, intervalMs: 20, description: 'redis-server answering' })
  }

  /** SIGKILL: connections drop at once, as in a crash. */
  async kill(): Promise<void> {
    const child = this.child
    if (!child) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGKILL')
    await exited
    this.child = null
  }

  async stop(): Promise<void> {
    await this.kill()
  }
}
