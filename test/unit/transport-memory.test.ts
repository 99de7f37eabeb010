import { describe, expect, it } from 'vitest'
import { TransportMemory, type StorageLike } from '../../client/transport/transport-memory.js'
import { TransportKind } from '../../shared/protocol/transport-kind.js'
import { MemoryStorage } from '../nginx/fallback-clients.js'

describe('TransportMemory (what worked, per tab and server)', () => {
  it('remembers the transport that worked last, per server', () => {
    const storage = new MemoryStorage()
    new TransportMemory(storage, 'a.example:443').rememberWorking(TransportKind.LongPoll)
    expect(new TransportMemory(storage, 'a.example:443').lastWorking()).toBe(TransportKind.LongPoll)
    expect(new TransportMemory(storage, 'b.example:443').lastWorking()).toBeNull()
  })

  it('counts WebSocket failures only once a WebSocket worked in the tab, and clears them when it works again', () => {
    const memory = new TransportMemory(new MemoryStorage(), 'host:1')
    expect(memory.countWebSocketFailure()).toBeNull()
    memory.rememberWorking(TransportKind.WebSocket)
    expect(memory.countWebSocketFailure()).toBe(1)
    memory.rememberWorking(TransportKind.ServerSentEvents) // an SSE success keeps the count
    expect(memory.countWebSocketFailure()).toBe(2)
    memory.rememberWorking(TransportKind.WebSocket)
    expect(memory.countWebSocketFailure()).toBe(1)
  })

  it('treats storage that throws, holds garbage or is absent as empty', () => {
    const throwing: StorageLike = {
      getItem: () => {
        throw new Error('SecurityError')
      },
      setItem: () => {
        throw new Error('QuotaExceededError')
      },
    }
    const broken = new TransportMemory(throwing, 'host:1')
    expect(() => broken.rememberWorking(TransportKind.WebSocket)).not.toThrow()
    expect(broken.lastWorking()).toBeNull()
    const garbage = new MemoryStorage()
    garbage.setItem('tandem:transport:host:1', '{not json')
    expect(new TransportMemory(garbage, 'host:1').lastWorking()).toBeNull()
    const none = new TransportMemory(null, 'host:1')
    none.rememberWorking(TransportKind.WebSocket)
    expect(none.lastWorking()).toBeNull()
  })
})
