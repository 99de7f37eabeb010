import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { TestBrowser } from '../helpers/browser-jar.js'
import { rawClient } from '../helpers/clients.js'
import { createTestDatabase, type TestDatabase } from '../cluster/helpers/postgres-database.js'
import {
  ann,
  bob,
  session,
  signedInBrowser,
  signIn,
  startSignIn,
  type SignInFixture,
} from '../helpers/sign-in-fixture.js'
import type { RunningServer } from '../helpers/test-server.js'

describe('sign-in across two instances on one PostgreSQL database', () => {
  let database: TestDatabase
  let fixture: SignInFixture
  let second: RunningServer
  beforeAll(async () => {
    database = await createTestDatabase()
  })
  afterAll(async () => database.drop())
  beforeEach(async () => {
    // `store: undefined` so the test server opens PostgreSQL rather than its default memory store.
    fixture = await startSignIn({ databaseUrl: database.url, store: undefined })
    second = await fixture.startInstance({ databaseUrl: database.url, store: undefined })
  })
  afterEach(async () => fixture.close())

  it('finishes on one instance a sign-in begun on the other, and either serves the session', async () => {
    expect([fixture.running.server.store.kind, second.server.store.kind]).toEqual(['postgres', 'postgres'])
    const browser = new TestBrowser()
    // Begun at the second instance; the provider returns the browser to PUBLIC_URL, the first.
    const answer = await signIn(fixture, browser, ann, '/', second.httpUrl)
    expect(answer.status).toBe(303)
    expect((await session(browser, second.httpUrl)).person).toMatchObject({ id: ann.sub })
    expect((await session(browser, fixture.url)).person).toMatchObject({ id: ann.sub })
  })

  it('signs out on every instance at once', async () => {
    const { browser, csrf } = await signedInBrowser(fixture, ann)
    const cookie = browser.cookies.get('tandem_session')!
    expect((await browser.json(`${second.httpUrl}/auth/logout`, 'POST', {}, csrf)).status).toBe(200)
    const kept = new TestBrowser()
    kept.cookies.set('tandem_session', cookie)
    expect((await session(kept, fixture.url)).signedIn).toBe(false)
    expect((await session(kept, second.httpUrl)).signedIn).toBe(false)
  })

  it('ends a removed person’s connection on the other instance', async () => {
    const owner = await signedInBrowser(fixture, ann)
    const other = await signedInBrowser(fixture, bob)
    const token = (await owner.token('shared-plan')).json.token as string
    const created = await fetch(`${fixture.url}/api/docs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'shared-plan' }),
    })
    expect(created.status).toBe(201)
    await owner.call('/api/docs/shared-plan/sharing/people/bob@example.com', 'PUT', { role: 'edit' })
    const bobToken = (await other.token('shared-plan')).json.token as string
    const client = await rawClient(`ws://127.0.0.1:${second.port}/collab/shared-plan?token=${bobToken}`)
    expect((await owner.call('/api/docs/shared-plan/sharing/people/bob@example.com', 'DELETE')).status).toBe(204)
    expect((await client.closed).reason).toMatch(/token-revoked/)
  })
})
