/** A response as the test browser saw it. */
export interface BrowserResponse {
  status: number
  url: string
  location: string | null
  body: string
}

/**
 * A browser, as far as cookies and redirects go: one cookie jar for 127.0.0.1 (browsers share
 * cookies across ports of a host, so the provider's and Tandem's live together, as they would), and
 * redirects followed by hand so a test can stop at any hop (the callback, to tamper with it).
 */
export class TestBrowser {
  readonly cookies = new Map<string, string>()

  /** One request, no redirect followed; cookies sent and stored. */
  async request(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
    const response = await fetch(url, {
      method: init.method ?? 'GET',
      redirect: 'manual',
      headers: { ...init.headers, ...(this.cookies.size ? { cookie: this.cookieHeader() } : {}) },
      body: init.body,
    })
    for (const line of response.headers.getSetCookie()) this.store(line)
    const location = response.headers.get('location')
    return {
      status: response.status,
      url,
      location: location === null ? null : new URL(location, url).href,
      body: await response.text(),
    } satisfies BrowserResponse
  }

  /** Follows redirects from `url` until a response that is not one, or until `stopAt(url)` holds for the next hop. */
  async follow(url: string, stopAt: (next: string) => boolean = () => false): Promise<BrowserResponse> {
    let response = await this.request(url)
    for (let hops = 0; response.location && hops < 20; hops++) {
      if (stopAt(response.location)) return response
      response = await this.request(response.location)
    }
    return response
  }

  /** JSON request with a JSON body (or none). */
  async json(url: string, method = 'GET', body?: unknown, headers: Record<string, string> = {}) {
    const response = await this.request(url, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    let parsed: unknown = null
    try {
      parsed = JSON.parse(response.body)
    } catch {
      // Not JSON (a 204, a page): `body` has it.
    }
    return { ...response, json: parsed as Record<string, unknown> }
  }

  private cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ')
  }

  private store(line: string): void {
    const [pair, ...attributes] = line.split(';')
    const equals = pair!.indexOf('=')
    const name = pair!.slice(0, equals).trim()
    const value = pair!.slice(equals + 1).trim()
    const isExpired = attributes.some((attribute) => {
      const [key, setting] = attribute.trim().split('=')
      if (key?.toLowerCase() === 'max-age') return Number(setting) <= 0
      if (key?.toLowerCase() === 'expires') return Date.parse(setting ?? '') <= Date.now()
      return false
    })
    if (isExpired || value === '') this.cookies.delete(name)
    else this.cookies.set(name, value)
  }
}
