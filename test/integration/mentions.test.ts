import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Thread } from '../../shared/comments.js'
import type { CommentMentionedEvent } from '../../server/webhooks/webhook-events.js'
import { TestBrowser } from '../helpers/browser-jar.js'
import type { TestAccount } from '../helpers/oidc-provider.js'
import { ann, bob, signedInBrowser, startSignIn, type SignInFixture } from '../helpers/sign-in-fixture.js'
import { startServer } from '../helpers/test-server.js'
import { waitFor } from '../helpers/wait-for.js'
import { startReceiver } from '../helpers/webhook-receiver.js'
import type { InboxPage } from '../../shared/mentions.js'

const dan: TestAccount = { sub: 'sub-dan', name: 'Dan Example', email: 'dan@example.com' }
const eve: TestAccount = { sub: 'sub-eve', name: 'Eve Outsider', email: 'eve@example.com' }

const mentionOf = (account: TestAccount, label = account.name) => `@[${label}](${account.email.toLowerCase()})`

type Person = Awaited<ReturnType<typeof signedInBrowser>>

/** GET /api/me/mentions answers the web app's wire type. */
type InboxAnswer = InboxPage

describe('mentions on a sign-in server (a real provider, a real webhook receiver)', () => {
  let fixture: SignInFixture
  let receiver: Awaited<ReturnType<typeof startReceiver>>
  let owner: Person
  let bobs: Person
  let dans: Person
  beforeEach(async () => {
    receiver = await startReceiver([200])
    // document.changed off: only mentions are under test.
    fixture = await startSignIn({ webhooks: { url: receiver.url, documentChangedIntervalMs: 0 } })
    owner = await signedInBrowser(fixture, ann)
    bobs = await signedInBrowser(fixture, bob)
    dans = await signedInBrowser(fixture, dan)
  })
  afterEach(async () => {
    await fixture.close()
    await receiver.close()
  })

  /** A REST request with a document token, as the app makes once it has one. */
  const withToken = async (token: string, path: string, method = 'GET', body?: unknown) => {
    const response = await fetch(`${fixture.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    })
    expect(response.status, `${method} ${path}`).toBeLessThan(300)
    return response
  }

  /** Ann's document "Launch plan", shared with Bob (comment) and Dan (view); her document token. */
  async function sharedPlan(): Promise<{ docId: string; annToken: string }> {
    const docId = 'launch-plan'
    const annToken = (await owner.token(docId)).json.token as string
    await withToken(annToken, '/api/docs', 'POST', { id: docId, title: 'Launch plan', markdown: 'We launch in May.' })
    for (const [email, role] of [
      [bob.email, 'comment'],
      [dan.email, 'view'],
    ]) {
      const shared = await owner.call(`/api/docs/${docId}/sharing/people/${encodeURIComponent(email!)}`, 'PUT', {
        role,
      })
      expect(shared.status).toBe(200)
    }
    return { docId, annToken }
  }

  const startThread = async (token: string, docId: string, body: string) =>
    (
      (await (await withToken(token, `/api/docs/${docId}/threads`, 'POST', { body, quote: 'May' })).json()) as {
        thread: Thread
      }
    ).thread

  const inbox = async (person: Person, query = '') => {
    const answer = await person.call(`/api/me/mentions${query}`)
    expect(answer.status).toBe(200)
    return answer.json as unknown as InboxAnswer
  }

  const mentionEvents = () =>
    receiver
      .accepted()
      .map((request) => request.event)
      .filter((event): event is CommentMentionedEvent => event.type === 'comment.mentioned')

  const allDelivered = () => fixture.running.server.webhooks.pendingCount === 0

  it('stores a mention of someone with access, lists it in their inbox and announces it once', async () => {
    const { docId, annToken } = await sharedPlan()
    const thread = await startThread(annToken, docId, `${mentionOf(bob, 'Bob')} can you confirm the date?`)
    const comment = thread.comments[0]!

    await waitFor(() => mentionEvents().length === 1 && allDelivered(), { description: 'comment.mentioned delivered' })
    expect(mentionEvents()[0]).toMatchObject({
      type: 'comment.mentioned',
      docId,
      documentTitle: 'Launch plan',
      thread: { id: thread.id, status: 'open', quote: 'May' },
      comment: {
        id: comment.id,
        body: '@[Bob](bob@example.com) can you confirm the date?',
        author: { id: ann.sub, name: ann.name, isVerified: true },
      },
      mentioned: { id: bob.sub, name: bob.name, email: 'bob@example.com' },
    })

    const bobsInbox = await inbox(bobs)
    expect(bobsInbox).toEqual({
      mentions: [
        {
          id: expect.any(String),
          docId,
          documentTitle: 'Launch plan',
          threadId: thread.id,
          commentId: comment.id,
          excerpt: '@Bob can you confirm the date?',
          author: { id: ann.sub, name: ann.name },
          createdAt: expect.any(String),
          isRead: false,
        },
      ],
      unreadCount: 1,
      next: null,
    })
    // Nobody else's inbox has it: not the author's, not Dan's, not a stranger's.
    expect((await inbox(owner)).mentions).toEqual([])
    expect((await inbox(dans)).mentions).toEqual([])
    expect((await new TestBrowser().json(`${fixture.url}/api/me/mentions`)).status).toBe(401)
    // Still one event once everything is delivered.
    expect(mentionEvents()).toHaveLength(1)
  })

  it('announces only the people an edit adds', async () => {
    const { docId, annToken } = await sharedPlan()
    const thread = await startThread(annToken, docId, `${mentionOf(bob)} please look`)
    const comment = thread.comments[0]!
    await waitFor(() => mentionEvents().length === 1, { description: 'Bob mentioned' })

    const path = `/api/docs/${docId}/threads/${thread.id}/comments/${comment.id}`
    await withToken(annToken, path, 'PATCH', { body: `${mentionOf(bob)} and ${mentionOf(dan)} please look` })
    // An edit that changes only the words mentions nobody new.
    await withToken(annToken, path, 'PATCH', { body: `${mentionOf(bob)} and ${mentionOf(dan)} please look again` })
    await waitFor(() => mentionEvents().length >= 2 && allDelivered(), { description: 'Dan mentioned' })

    expect(mentionEvents().map((event) => event.mentioned.email)).toEqual(['bob@example.com', 'dan@example.com'])
    expect((await inbox(bobs)).mentions).toHaveLength(1)
    expect((await inbox(dans)).mentions).toMatchObject([{ commentId: comment.id, isRead: false }])
  })

  it('delivers nothing for someone without access, a self-mention or an anonymous link holder', async () => {
    const { docId, annToken } = await sharedPlan()
    const outsider = await signedInBrowser(fixture, eve)
    await startThread(
      annToken,
      docId,
      `${mentionOf(eve)}, ${mentionOf(ann)} and @[Nobody](nobody@example.com) are not in this document`,
    )
    // Link holders who did not sign in write unverified comments: they may not page anyone.
    await owner.call(`/api/docs/${docId}/sharing`, 'PATCH', { linkRole: 'comment' })
    const anonymous = (await new TestBrowser().json(`${fixture.url}/auth/token`, 'POST', { docId })).json
    expect(anonymous).toMatchObject({ role: 'comment', signedIn: false })
    await startThread(anonymous.token as string, docId, `${mentionOf(bob)} from a link`)
    // Then one that does reach someone: once it has arrived, the ones before it would have too.
    await startThread(annToken, docId, `${mentionOf(dan)} this one counts`)
    await waitFor(() => mentionEvents().length >= 1 && allDelivered(), { description: 'Dan mentioned' })

    expect(mentionEvents().map((event) => event.mentioned.email)).toEqual(['dan@example.com'])
    expect(await inbox(outsider)).toEqual({ mentions: [], unreadCount: 0, next: null })
    expect((await inbox(bobs)).mentions).toEqual([])
    expect((await inbox(owner)).mentions).toEqual([])
    // The text keeps every mention as written.
    const threads = (await (await withToken(annToken, `/api/docs/${docId}/threads`)).json()) as { threads: Thread[] }
    expect(threads.threads[0]!.comments[0]!.body).toContain(mentionOf(eve))
  })

  it('marks read only with the CSRF header, and only one’s own', async () => {
    const { docId, annToken } = await sharedPlan()
    await startThread(annToken, docId, `${mentionOf(bob)} first`)
    await startThread(annToken, docId, `${mentionOf(bob)} second`)
    const [newer, older] = (await inbox(bobs)).mentions
    expect([newer?.excerpt, older?.excerpt]).toEqual([`@${bob.name} second`, `@${bob.name} first`])

    const withoutCsrf = await bobs.browser.json(`${fixture.url}/api/me/mentions/read`, 'POST', { ids: [newer!.id] })
    expect(withoutCsrf.status).toBe(403)
    // Dan names Bob's mention: nothing changes for Bob.
    expect((await dans.call('/api/me/mentions/read', 'POST', { ids: [newer!.id] })).json).toEqual({ unreadCount: 0 })
    expect((await inbox(bobs)).unreadCount).toBe(2)

    const marked = await bobs.call('/api/me/mentions/read', 'POST', { ids: [newer!.id] })
    expect(marked.json).toEqual({ unreadCount: 1 })
    expect((await inbox(bobs)).mentions.map((mention) => mention.isRead)).toEqual([true, false])
    expect((await bobs.call('/api/me/mentions/read', 'POST', { ids: [] })).status).toBe(400)
  })

  it('pages the inbox newest first', async () => {
    const { docId, annToken } = await sharedPlan()
    for (const n of [1, 2, 3]) await startThread(annToken, docId, `${mentionOf(bob)} number ${n}`)
    const first = await inbox(bobs, '?limit=2')
    expect(first.mentions.map((mention) => mention.excerpt)).toEqual([`@${bob.name} number 3`, `@${bob.name} number 2`])
    expect(first.unreadCount).toBe(3)
    const second = await inbox(bobs, `?limit=2&before=${first.next}`)
    expect(second.mentions.map((mention) => mention.excerpt)).toEqual([`@${bob.name} number 1`])
    expect(second.next).toBeNull()
    expect((await bobs.call('/api/me/mentions?limit=1000')).status).toBe(400)
  })

  it('hides mentions in a document the person lost, and forgets those of a deleted comment', async () => {
    const { docId, annToken } = await sharedPlan()
    const thread = await startThread(annToken, docId, `${mentionOf(bob)} and ${mentionOf(dan)}`)
    expect((await inbox(bobs)).unreadCount).toBe(1)
    await owner.call(`/api/docs/${docId}/sharing/people/${encodeURIComponent(bob.email)}`, 'DELETE')
    expect(await inbox(bobs)).toEqual({ mentions: [], unreadCount: 0, next: null })

    expect((await inbox(dans)).mentions).toHaveLength(1)
    await withToken(annToken, `/api/docs/${docId}/threads/${thread.id}/comments/${thread.comments[0]!.id}`, 'DELETE')
    expect(await inbox(dans)).toEqual({ mentions: [], unreadCount: 0, next: null })
  })
})

describe('mentions without sign-in', () => {
  it('are plain text: no event, nothing stored', async () => {
    const receiver = await startReceiver([200])
    const running = await startServer({ webhooks: { url: receiver.url, documentChangedIntervalMs: 0 } })
    try {
      const post = (path: string, body: unknown) =>
        fetch(`${running.httpUrl}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        })
      expect((await post('/api/docs', { id: 'open-doc' })).status).toBe(201)
      const body = `${mentionOf(bob)} plain text here`
      expect((await post('/api/docs/open-doc/threads', { body })).status).toBe(201)
      await waitFor(() => receiver.accepted().length === 1 && running.server.webhooks.pendingCount === 0, {
        description: 'thread.created delivered',
      })
      expect(receiver.accepted().map((request) => request.event.type)).toEqual(['thread.created'])
      expect((await fetch(`${running.httpUrl}/api/me/mentions`)).status).toBe(404)
    } finally {
      await running.close()
      await receiver.close()
    }
  })
})
