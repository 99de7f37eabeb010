/** The REST document API (docs/protocol.md, "HTTP API"), as the web app uses it. */
export interface DocumentSummary {
  id: string
  title: string
  createdAt: string
  updatedAt: string
  sizeBytes: number
}

export type ExportFormat = 'markdown' | 'html'

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

async function request<T>(path: string, init?: RequestInit): Promise<T> {
  const response = await fetch(path, {
    ...init,
    headers: { Accept: 'application/json', ...(init?.body ? { 'Content-Type': 'application/json' } : {}) },
  })
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as { error?: string; message?: string } | null
    throw new ApiError(response.status, body?.error ?? 'http-error', body?.message ?? `HTTP ${response.status}`)
  }
  return (response.status === 204 ? undefined : await response.json()) as T
}

export async function listDocuments(): Promise<DocumentSummary[]> {
  return (await request<{ documents: DocumentSummary[] }>('/api/docs')).documents
}

/** Creates a document on the server, optionally with imported Markdown (never seeded by the client). */
export function createDocument(options: { id?: string; title?: string; markdown?: string } = {}) {
  return request<DocumentSummary>('/api/docs', { method: 'POST', body: JSON.stringify(options) })
}

/** Metadata, or null for an id nobody has written to yet (it opens as a new, empty document). */
export async function getDocument(id: string): Promise<DocumentSummary | null> {
  try {
    return await request<DocumentSummary>(`/api/docs/${encodeURIComponent(id)}`)
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null
    throw error
  }
}

/** Renames, creating the record first when the document exists only as a URL so far. */
export async function renameDocument(id: string, title: string): Promise<DocumentSummary> {
  const path = `/api/docs/${encodeURIComponent(id)}`
  try {
    return await request<DocumentSummary>(path, { method: 'PATCH', body: JSON.stringify({ title }) })
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404)) throw error
  }
  try {
    return await createDocument({ id, title })
  } catch (error) {
    // Someone's first keystroke created it in between: rename the one that exists.
    if (error instanceof ApiError && error.status === 409) {
      return request<DocumentSummary>(path, { method: 'PATCH', body: JSON.stringify({ title }) })
    }
    throw error
  }
}

export function deleteDocument(id: string): Promise<void> {
  return request<void>(`/api/docs/${encodeURIComponent(id)}`, { method: 'DELETE' })
}

/** The server's rendering of the document, as committed on the server. */
export async function fetchContent(id: string, format: ExportFormat): Promise<string> {
  const response = await fetch(`/api/docs/${encodeURIComponent(id)}/content?format=${format}`)
  if (response.status === 404) return ''
  if (!response.ok) throw new ApiError(response.status, 'http-error', `export failed (HTTP ${response.status})`)
  return response.text()
}
