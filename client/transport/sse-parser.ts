/** One server-sent event as the SSE grammar defines it (fields we use only). */
export interface SseEvent {
  /** `event:` field, `message` when absent. */
  event: string
  /** `data:` lines joined with newlines. */
  data: string
  /** `id:` field, if the event had one. */
  id: string | null
}

/**
 * Incremental `text/event-stream` parser (WHATWG grammar: LF, CR or CRLF line ends, comments,
 * multi-line data). Written on fetch streaming rather than EventSource so one implementation runs
 * in browsers and Node, can see status codes and content types, and can tell bursts from a trickle.
 */
export class SseParser {
  private buffer = ''
  private event = ''
  private data: string[] = []
  private id: string | null = null
  private isAfterCr = false
  private readonly decoder = new TextDecoder()

  /** Feeds one chunk of bytes; returns the events it completed. */
  push(chunk: Uint8Array): SseEvent[] {
    this.buffer += this.decoder.decode(chunk, { stream: true })
    // A CR that ended the previous chunk was a whole line end; an LF right after it is its other half.
    if (this.isAfterCr && this.buffer.startsWith('\n')) this.buffer = this.buffer.slice(1)
    this.isAfterCr = false
    const events: SseEvent[] = []
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.buffer)
      if (!match) break
      const line = this.buffer.slice(0, match.index)
      this.buffer = this.buffer.slice(match.index + match[0].length)
      if (match[0] === '\r' && this.buffer === '') this.isAfterCr = true
      const event = this.line(line)
      if (event) events.push(event)
    }
    return events
  }

  private line(line: string): SseEvent | null {
    if (line === '') {
      if (this.data.length === 0 && this.event === '') return null
      const event = { event: this.event || 'message', data: this.data.join('\n'), id: this.id }
      this.event = ''
      this.data = []
      this.id = null
      return event
    }
    if (line.startsWith(':')) return null
    const colon = line.indexOf(':')
    const field = colon === -1 ? line : line.slice(0, colon)
    let value = colon === -1 ? '' : line.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'event') this.event = value
    else if (field === 'data') this.data.push(value)
    else if (field === 'id' && !value.includes('\0')) this.id = value
    return null
  }
}
