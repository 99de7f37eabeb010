import type { ChangeAuthor } from '../../shared/history/change-marks.js'
import { TokenRefused, type DocumentToken } from './document-tokens.js'
import { documentTokens } from './sign-in.js'
import type { Role } from '../../shared/roles.js'

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

/** What the caller's token allows (GET /api/docs/<docId>/access; docs/security.md). */
export interface DocumentAccess {
  role: Role
  name: string | null
  expiresAt: string | null
  authRequired: boolean
}

/**
 * Sends a request with the document's token (client/app/document-tokens.ts: a link's, the session's,
 * or none). A session token the server no longer takes (revoked by a sharing change, or expired
 * early for a browser with a skewed clock) is replaced once; a refusal to mint one is a 401 or 403.
 */
async function send(path: string, init: RequestInit | undefined, docId: string | undefined): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    let token: DocumentToken | null
    try {
      token = await documentTokens.get(docId)
    } catch (error) {
      if (error instanceof TokenRefused) throw new ApiError(error.status, 'no-access', error.message)
      throw error
    }
    const response = await fetch(path, {
      ...init,
      headers: {
        Accept: 'application/json',
        ...(init?.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        ...(token ? { Authorization: `Bearer ${token.token}` } : {}),
      },
    })
    if (response.status !== 401 || token?.source !== 'session' || docId === undefined || attempt > 0) return response
    documentTokens.forget(docId)
  }
}

async function request<T>(path: string, init?: RequestInit, docId?: string): Promise<T> {
  const response = await send(path, init, docId)
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as { error?: string; message?: string } | null
    throw new ApiError(response.status, body?.error ?? 'http-error', body?.message ?? `HTTP ${response.status}`)
  }
  return (response.status === 204 ? undefined : await response.json()) as T
}

export async function listDocuments(): Promise<DocumentSummary[]> {
  return (await request<{ documents: DocumentSummary[] }>('/api/docs')).documents
}

/**
 * A fresh id, as the server makes them (9 random bytes, base64url). With sign-in the app names a
 * new document itself: asking for its token makes the signed-in person its owner, and that token
 * then creates it.
 */
export function newDocumentId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(9))
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
}

/** Creates a document on the server, optionally with imported Markdown (never seeded by the client). */
export function createDocument(options: { id?: string; title?: string; markdown?: string } = {}) {
  return request<DocumentSummary>('/api/docs', { method: 'POST', body: JSON.stringify(options) }, options.id)
}

/** Metadata, or null for an id nobody has written to yet (it opens as a new, empty document). */
export async function getDocument(id: string): Promise<DocumentSummary | null> {
  try {
    return await request<DocumentSummary>(`/api/docs/${encodeURIComponent(id)}`, undefined, id)
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null
    throw error
  }
}

/** Renames, creating the record first when the document exists only as a URL so far. */
export async function renameDocument(id: string, title: string): Promise<DocumentSummary> {
  const path = `/api/docs/${encodeURIComponent(id)}`
  try {
    return await request<DocumentSummary>(path, { method: 'PATCH', body: JSON.stringify({ title }) }, id)
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404)) throw error
  }
  try {
    return await createDocument({ id, title })
  } catch (error) {
    // Someone's first keystroke created it in between: rename the one that exists.
    if (error instanceof ApiError && error.status === 409) {
      return request<DocumentSummary>(path, { method: 'PATCH', body: JSON.stringify({ title }) }, id)
    }
    throw error
  }
}

export function deleteDocument(id: string): Promise<void> {
  return request<void>(`/api/docs/${encodeURIComponent(id)}`, { method: 'DELETE' }, id)
}

/** Servers without auth answer `edit` for everyone (authRequired: false). */
export async function getAccess(id: string): Promise<DocumentAccess> {
  try {
    return await request<DocumentAccess>(`/api/docs/${encodeURIComponent(id)}/access`, undefined, id)
  } catch (error) {
    // A server from before the access endpoint: no auth there either.
    if (error instanceof ApiError && error.status === 404) {
      return { role: 'edit', name: null, expiresAt: null, authRequired: false }
    }
    throw error
  }
}

/** A link for others: with auth on it carries a fresh token of `role`; without, it is the plain URL. */
export async function shareLink(id: string, role: Role): Promise<string> {
  const base = `${location.origin}/d/${encodeURIComponent(id)}`
  const { token } = await request<{ token: string | null }>(
    `/api/docs/${encodeURIComponent(id)}/share`,
    { method: 'POST', body: JSON.stringify({ role }) },
    id,
  )
  return token ? `${base}?token=${encodeURIComponent(token)}` : base
}

/** The server's rendering of the document, as committed on the server. */
export async function fetchContent(id: string, format: ExportFormat): Promise<string> {
  const response = await send(`/api/docs/${encodeURIComponent(id)}/content?format=${format}`, undefined, id)
  if (response.status === 404) return ''
  if (!response.ok) throw new ApiError(response.status, 'http-error', `export failed (HTTP ${response.status})`)
  return response.text()
}

/** One recorded version of a document (GET /api/docs/<docId>/versions; docs/history.md). */
export interface VersionSummary {
  id: number
  createdAt: string
  name: string | null
  isNamed: boolean
  authors: string[]
  sizeBytes: number
}

function versionsPath(docId: string, versionId?: number): string {
  const base = `/api/docs/${encodeURIComponent(docId)}/versions`
  return versionId === undefined ? base : `${base}/${versionId}`
}

/** Newest first; a document nobody has written to yet has no versions (not an error). */
export async function listVersions(docId: string): Promise<VersionSummary[]> {
  try {
    return (await request<{ versions: VersionSummary[] }>(versionsPath(docId), undefined, docId)).versions
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return []
    throw error
  }
}

/** A version's content as editor JSON (versions never change, so the browser may cache it). */
export async function fetchVersionJson(docId: string, versionId: number): Promise<EditorJson> {
  return request<EditorJson>(`${versionsPath(docId, versionId)}?format=json`, undefined, docId)
}

/** Editor (ProseMirror) JSON, as the server sends documents. */
export interface EditorJson {
  type?: string
  attrs?: Record<string, unknown>
  content?: EditorJson[]
  marks?: { type: string; attrs?: Record<string, unknown> }[]
  text?: string
}

/** What changed from the older of two versions (or a version and now) to the newer (docs/history.md). */
export interface VersionComparison {
  older: VersionSummary
  /** null: the document as it is now. */
  newer: VersionSummary | null
  /** The newer document with what changed marked (historyInsertion, historyDeletion, historyFormat). */
  doc: EditorJson
  /** Who changed something, most changes first; empty when the two are the same. */
  authors: ChangeAuthor[]
}

/** Compares version `versionId` with `other` (a version id, or 'current' for the document as it is now). */
export function compareVersions(
  docId: string,
  versionId: number,
  other: number | 'current',
): Promise<VersionComparison> {
  return request<VersionComparison>(`${versionsPath(docId, versionId)}/compare/${other}`, undefined, docId)
}

/** Records the document as it is now, under `name` (needs edit). */
export function nameCurrentVersion(docId: string, name: string): Promise<VersionSummary> {
  return request<VersionSummary>(versionsPath(docId), { method: 'POST', body: JSON.stringify({ name }) }, docId)
}

/** Names, renames or (with null) unnames a version (needs edit). */
export function renameVersion(docId: string, versionId: number, name: string | null): Promise<VersionSummary> {
  return request<VersionSummary>(
    versionsPath(docId, versionId),
    { method: 'PATCH', body: JSON.stringify({ name }) },
    docId,
  )
}

/** Deletes an automatic version (named ones answer 400; needs edit). */
export function deleteVersion(docId: string, versionId: number): Promise<void> {
  return request<void>(versionsPath(docId, versionId), { method: 'DELETE' }, docId)
}

/** Makes the live document equal to the version; the state before is saved as a named version. */
export function restoreVersion(
  docId: string,
  versionId: number,
): Promise<{ restored: VersionSummary; savedBefore: VersionSummary }> {
  return request(`${versionsPath(docId, versionId)}/restore`, { method: 'POST' }, docId)
}
