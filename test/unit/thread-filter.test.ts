// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest'
import { rememberedFilter, rememberFilter } from '../../client/editor/comments/thread-filter.js'

interface PageStorage {
  clear(): void
  getItem(key: string): string | null
  setItem(key: string, value: string): void
}
const storage = (globalThis as unknown as { localStorage: PageStorage }).localStorage

afterEach(() => {
  vi.restoreAllMocks()
  storage.clear()
})

describe('the Comments filter remembered in this browser', () => {
  it('shows open threads until a reader chooses another filter', () => {
    expect(rememberedFilter()).toBe('open')
  })

  it('gives back the last filter chosen, for every document', () => {
    rememberFilter('resolved')
    expect(rememberedFilter()).toBe('resolved')
    rememberFilter('all')
    expect(rememberedFilter()).toBe('all')
  })

  it('ignores a stored value that is no filter', () => {
    storage.setItem('tandem:comment-filter', 'everything')
    expect(rememberedFilter()).toBe('open')
  })

  it('keeps working when storage refuses (privacy mode): the default, and no error', () => {
    vi.spyOn(storage, 'getItem').mockImplementation(() => {
      throw new Error('SecurityError')
    })
    vi.spyOn(storage, 'setItem').mockImplementation(() => {
      throw new Error('QuotaExceededError')
    })
    expect(() => rememberFilter('all')).not.toThrow()
    expect(rememberedFilter()).toBe('open')
  })
})
