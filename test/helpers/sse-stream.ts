import { SseParser, type SseEvent } from '../../client/transport/sse-parser.js'

/** An SSE reader on fetch that collects parsed events. */
export async function openStream(url: string, headers: Record<string, string> = {}) {
  const abort = new AbortController()
  const response = await fetch(url, { headers: { Accept: 'text/event-stream', ...headers }, signal: abort.signal })
  const events: SseEvent[] = []
  const parser = new SseParser()
  const reading = (async () => {
    const reader = response.body!.getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      events.push(...parser.push(value))
    }
  })().catch(() => undefined)
  return { response, events, reading, close: () => abort.abort() }
}
