import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { TestBrowser } from '../helpers/browser-jar.js'
import { rawClient } from '../helpers/clients.js'
import { ann, bob, cat, signedInBrowser, startSignIn, type SignInFixture } from '../helpers/sign-in-fixture.js'
import { waitFor } from '../helpers/wait-for.js'
import type { TestAccount } from '../helpers/oidc-provider.js'

const dan: TestAccount = { sub: 'sub-dan', name: 'Dan Example', email: 'dan@example.com' }

type Person = Awaited<ReturnType<typeof signedInBrowser>>

describe('people, ownership and sharing (signed in through a real provider)', () => {
  let fixture: SignInFixture
  let owner: Person
  let other: Person
  beforeEach(async () => {
    fixture = await startSignIn()
    owner = await signedInBrowser(fixture, ann)
    other = await signedInBrowser(fixture, bob)
  })
  afterEach(async () => fixture.close())

  /** A REST request with a document token, as the app makes once it has one. */
  const withToken = (token: string, path: string, method = 'GET', body?: unknown) =>
    fetch(`${fixture.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    })

  /** Ann opens a new document: she becomes its owner and it exists. */
  async function ownedDocument(docId = 'plan'): Promise<string> {
    const minted = await owner.token(docId)
    expect(minted.json).toMatchObject({ role: 'edit', signedIn: true })
    expect((await withToken(minted.json.token as string, '/api/docs', 'POST', { id: docId })).status).toBe(201)
    return docId
  }

  const share = (by: Person, docId: string, email: string, role: string) =>
    by.call(`/api/docs/${docId}/sharing/people/${encodeURIComponent(email)}`, 'PUT', { role })

  it('makes whoever opens a new document its owner, with a token naming them', async () => {
    const minted = await owner.token('fresh-doc')
    expect(minted.status).toBe(200)
    expect(minted.json).toMatchObject({ role: 'edit', signedIn: true })
    const access = await (await withToken(minted.json.token as string, '/api/docs/fresh-doc/access')).json()
    expect(access).toMatchObject({ role: 'edit', name: ann.name, authRequired: true })
    // Someone else asking for the same id now finds it owned.
    expect((await other.token('fresh-doc')).status).toBe(403)
  })

  it('gives nobody but administrators a document that existed before anyone owned it', async () => {
    await fixture.running.server.store.create('legacy' as never, 'Old notes')
    expect((await owner.token('legacy')).status).toBe(403)
    const admin = await signedInBrowser(fixture, cat)
    expect((await admin.token('legacy')).json).toMatchObject({ role: 'edit' })
  })

  it('gives a person shared by email exactly the role shared, whatever the case of the address', async () => {
    const docId = await ownedDocument()
    expect((await other.token(docId)).status).toBe(403)
    for (const role of ['view', 'comment', 'edit'] as const) {
      expect((await share(owner, docId, 'BOB@example.COM', role)).status).toBe(200)
      const minted = await other.token(docId)
      expect(minted.json.role).toBe(role)
      const token = minted.json.token as string
      const rename = await withToken(token, `/api/docs/${docId}`, 'PATCH', { title: `by ${role}` })
      expect(rename.status, `rename with ${role}`).toBe(role === 'edit' ? 200 : 403)
      const thread = await withToken(token, `/api/docs/${docId}/threads`, 'POST', { body: `from ${role}` })
      expect(thread.status, `comment with ${role}`).toBe(role === 'view' ? 403 : 201)
      expect((await withToken(token, `/api/docs/${docId}/content?format=text`)).status).toBe(200)
    }
  })

  it('lets only the owner share, unless the owner lets editors share too', async () => {
    const docId = await ownedDocument()
    await share(owner, docId, bob.email, 'edit')
    expect((await share(other, docId, dan.email, 'view')).status).toBe(403)
    expect((await owner.call(`/api/docs/${docId}/sharing`, 'PATCH', { editorsCanShare: true })).status).toBe(200)
    expect((await share(other, docId, dan.email, 'view')).status).toBe(200)
    // A commenter may not share even then, nor may an editor change the link or the owner.
    await share(owner, docId, bob.email, 'comment')
    expect((await share(other, docId, 'eve@example.com', 'view')).status).toBe(403)
    await share(owner, docId, bob.email, 'edit')
    expect((await other.call(`/api/docs/${docId}/sharing`, 'PATCH', { linkRole: 'edit' })).status).toBe(403)
    expect((await other.call(`/api/docs/${docId}/sharing/owner`, 'PUT', { email: bob.email })).status).toBe(403)
  })

  it('makes signed-in commenters verified authors: the person, whom nobody else can impersonate', async () => {
    const docId = await ownedDocument()
    await share(owner, docId, bob.email, 'comment')
    const bobToken = (await other.token(docId)).json.token as string
    const posted = await withToken(bobToken, `/api/docs/${docId}/threads`, 'POST', { body: 'Looks good' })
    const { thread } = (await posted.json()) as {
      thread: { id: string; comments: { id: string; author: Record<string, unknown> }[] }
    }
    expect(thread.comments[0]!.author).toMatchObject({ id: bob.sub, name: bob.name, isVerified: true })
    // The owner edits the document but not Bob's words.
    const annToken = (await owner.token(docId)).json.token as string
    const path = `/api/docs/${docId}/threads/${thread.id}/comments/${thread.comments[0]!.id}`
    expect((await withToken(annToken, path, 'PATCH', { body: 'Rewritten' })).status).toBe(403)
    expect((await withToken(bobToken, path, 'PATCH', { body: 'Looks great' })).status).toBe(200)
  })

  it('mints no bearer share links for editors: sharing is the owner’s settings', async () => {
    const docId = await ownedDocument()
    await share(owner, docId, bob.email, 'edit')
    const token = (await other.token(docId)).json.token as string
    const minted = await withToken(token, `/api/docs/${docId}/share`, 'POST', { role: 'edit' })
    expect(minted.status).toBe(403)
  })

  it('shows who has access to everyone with access, and to nobody else', async () => {
    const docId = await ownedDocument()
    await share(owner, docId, bob.email, 'comment')
    await share(owner, docId, 'nobody-yet@example.com', 'view')
    const seen = await other.call(`/api/docs/${docId}/sharing`)
    expect(seen.json).toMatchObject({
      owner: { id: ann.sub, name: ann.name, email: ann.email },
      linkRole: null,
      editorsCanShare: false,
      shares: [
        { email: 'bob@example.com', role: 'comment', name: bob.name },
        { email: 'nobody-yet@example.com', role: 'view', name: null },
      ],
      yourRole: 'comment',
      canShare: false,
      canManage: false,
    })
    const stranger = await signedInBrowser(fixture, dan)
    expect((await stranger.call(`/api/docs/${docId}/sharing`)).status).toBe(403)
    expect((await new TestBrowser().json(`${fixture.url}/api/docs/${docId}/sharing`)).status).toBe(401)
  })

  it('gives the link role to anyone with the address, signed in or not, while the link is on', async () => {
    const docId = await ownedDocument()
    const anonymous = new TestBrowser()
    const anonymousToken = () => anonymous.json(`${fixture.url}/auth/token`, 'POST', { docId })
    expect((await anonymousToken()).status).toBe(401)
    expect((await owner.call(`/api/docs/${docId}/sharing`, 'PATCH', { linkRole: 'comment' })).status).toBe(200)
    expect((await anonymousToken()).json).toMatchObject({ role: 'comment', signedIn: false })
    expect((await other.token(docId)).json).toMatchObject({ role: 'comment', signedIn: true })
    // A share stronger than the link wins.
    await share(owner, docId, bob.email, 'edit')
    expect((await other.token(docId)).json.role).toBe('edit')
    expect((await owner.call(`/api/docs/${docId}/sharing`, 'PATCH', { linkRole: null })).status).toBe(200)
    expect((await anonymousToken()).status).toBe(401)
  })

  it('lists my documents and those shared with me; administrators see every document', async () => {
    await ownedDocument('mine')
    await ownedDocument('for-bob')
    await share(owner, 'for-bob', bob.email, 'comment')
    const mine = await owner.call('/api/me/documents')
    expect((mine.json.owned as { id: string }[]).map((doc) => doc.id).sort()).toEqual(['for-bob', 'mine'])
    expect(mine.json.shared).toEqual([])
    expect(mine.json.all).toBeUndefined()
    const bobs = await other.call('/api/me/documents')
    expect(bobs.json.owned).toEqual([])
    expect(bobs.json.shared).toEqual([expect.objectContaining({ id: 'for-bob', role: 'comment' })])
    const admin = await signedInBrowser(fixture, cat)
    const all = await admin.call('/api/me/documents')
    expect((all.json.all as { id: string }[]).map((doc) => doc.id).sort()).toEqual(['for-bob', 'mine'])
  })

  it('lets an administrator transfer ownership; the old owner keeps only what is shared with them', async () => {
    const docId = await ownedDocument()
    const admin = await signedInBrowser(fixture, cat)
    expect((await admin.call(`/api/docs/${docId}/sharing/owner`, 'PUT', { email: 'nobody@example.com' })).status).toBe(
      404,
    )
    const moved = await admin.call(`/api/docs/${docId}/sharing/owner`, 'PUT', { email: bob.email })
    expect(moved.status).toBe(200)
    expect(moved.json.owner).toMatchObject({ id: bob.sub })
    expect((await owner.token(docId)).status).toBe(403)
    expect((await other.token(docId)).json.role).toBe('edit')
    expect((await other.call('/api/me/documents')).json.owned).toEqual([expect.objectContaining({ id: docId })])
  })

  it('ends the open connections of someone removed, within the revocation interval', async () => {
    const docId = await ownedDocument()
    await share(owner, docId, bob.email, 'edit')
    const token = (await other.token(docId)).json.token as string
    const client = await rawClient(`ws://127.0.0.1:${fixture.running.port}/collab/${docId}?token=${token}`)
    const removed = await other.call(`/api/docs/${docId}/sharing/people/bob@example.com`, 'DELETE')
    expect(removed.status).toBe(403) // not his to remove: he may not share
    expect((await owner.call(`/api/docs/${docId}/sharing/people/bob@example.com`, 'DELETE')).status).toBe(204)
    const closed = await client.closed
    expect(closed.code).toBe(4401)
    expect(closed.reason).toMatch(/token-revoked/)
    expect((await other.token(docId)).status).toBe(403)
  })

  it('ends connections on a lowered role, and the token fetched right after carries the new role', async () => {
    const docId = await ownedDocument()
    await share(owner, docId, bob.email, 'edit')
    const editToken = (await other.token(docId)).json.token as string
    const client = await rawClient(`ws://127.0.0.1:${fixture.running.port}/collab/${docId}?token=${editToken}`)
    await share(owner, docId, bob.email, 'view')
    expect((await client.closed).reason).toMatch(/token-revoked/)
    // At once, in the same second as the revocation: a new token is not taken for a revoked one.
    const viewToken = (await other.token(docId)).json.token as string
    const again = await rawClient(`ws://127.0.0.1:${fixture.running.port}/collab/${docId}?token=${viewToken}`)
    const access = (await (await withToken(viewToken, `/api/docs/${docId}/access`)).json()) as { role: string }
    expect(access.role).toBe('view')
    // Served (the server's sync step 1 arrives), not refused.
    await waitFor(() => again.frames.length > 0, { description: 'the view connection is served' })
    expect(again.ws.readyState).toBe(again.ws.OPEN)
    again.ws.close()
  })

  it('ends link holders’ connections when the link is turned off', async () => {
    const docId = await ownedDocument()
    await owner.call(`/api/docs/${docId}/sharing`, 'PATCH', { linkRole: 'view' })
    const anonymous = new TestBrowser()
    const token = (await anonymous.json(`${fixture.url}/auth/token`, 'POST', { docId })).json.token as string
    const client = await rawClient(`ws://127.0.0.1:${fixture.running.port}/collab/${docId}?token=${token}`)
    await owner.call(`/api/docs/${docId}/sharing`, 'PATCH', { linkRole: null })
    expect((await client.closed).reason).toMatch(/token-revoked/)
    expect((await anonymous.json(`${fixture.url}/auth/token`, 'POST', { docId })).status).toBe(401)
  })

  it('ends every open document of a person who signs out everywhere', async () => {
    const docId = await ownedDocument()
    const token = (await owner.token(docId)).json.token as string
    const client = await rawClient(`ws://127.0.0.1:${fixture.running.port}/collab/${docId}?token=${token}`)
    expect((await owner.call('/auth/logout', 'POST', { everywhere: true })).status).toBe(200)
    expect((await client.closed).reason).toMatch(/token-revoked/)
    await waitFor(async () => (await withToken(token, `/api/docs/${docId}/access`)).status === 401, {
      description: 'old token refused',
    })
  })
})
