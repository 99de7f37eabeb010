import { describe, expect, it } from 'vitest'
import {
  assertMeshPeerLimit,
  MeshState,
  MeshSwitch,
  meshReturnSize,
  nextMeshState,
} from '../../client/presence/mesh-limit.js'

const { Mesh, Relay } = MeshState

/** A seeded generator in [0, 1), so a failing sequence can be replayed from its printed seed. */
function createRandom(seed: number): () => number {
  let state = seed
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31
    return state / 2 ** 31
  }
}

/**
 * A topic as the signalling hub runs it, reduced to what the mesh switch sees: a join fans the
 * newcomer's announce (with the new count) out to everyone already there, who then answer the
 * newcomer with their state; a leave fans the new count out to those who stay.
 */
class Room {
  readonly members: MeshSwitch[] = []

  constructor(private readonly limit: number) {}

  join(): MeshSwitch {
    const newcomer = new MeshSwitch(this.limit)
    const size = this.members.length + 1
    for (const member of this.members) member.onFanOut(size)
    for (const member of this.members) newcomer.onDirect(size, member.state ?? undefined)
    this.members.push(newcomer)
    return newcomer
  }

  leave(index: number): void {
    this.members.splice(index, 1)
    for (const member of this.members) member.onFanOut(this.members.length)
  }

  /** Whether each member opens data channels. */
  meshing(): boolean[] {
    return this.members.map((member) => member.isMeshing)
  }
}

describe('mesh limit: when a room leaves the WebRTC mesh for the server', () => {
  it('returns to the mesh a quarter of the limit below it (at least one peer below)', () => {
    expect([2, 3, 4, 8, 12, 16].map(meshReturnSize)).toEqual([1, 2, 3, 6, 9, 12])
    expect(meshReturnSize(Number.POSITIVE_INFINITY)).toBe(Number.POSITIVE_INFINITY)
  })

  it('relays beyond the limit, keeps its state in the band, meshes again at the return size', () => {
    expect(nextMeshState(Mesh, 8, 8)).toBe(Mesh)
    expect(nextMeshState(Mesh, 9, 8)).toBe(Relay)
    expect(nextMeshState(Relay, 8, 8)).toBe(Relay)
    expect(nextMeshState(Relay, 7, 8)).toBe(Relay)
    expect(nextMeshState(Relay, 6, 8)).toBe(Mesh)
    expect(nextMeshState(null, 7, 8)).toBeNull()
    expect(nextMeshState(null, 1, 8)).toBe(Mesh)
  })

  it('does not flap when a peer at the edge reloads its tab (leave, then join)', () => {
    const peer = new MeshSwitch(8)
    const states = [9, 8, 9, 8, 9, 7].map((size) => peer.onFanOut(size))
    expect(states).toEqual([Relay, Relay, Relay, Relay, Relay, Relay])
    expect(peer.onFanOut(6)).toBe(Mesh)
    expect([7, 8, 7, 8].map((size) => peer.onFanOut(size))).toEqual([Mesh, Mesh, Mesh, Mesh])
  })

  it('a peer joining a room in the band adopts the state the others answer with', () => {
    const intoRelay = new MeshSwitch(8)
    expect(intoRelay.isMeshing).toBe(true)
    expect(intoRelay.onDirect(8, Relay)).toBe(Relay)
    expect(intoRelay.isMeshing).toBe(false)
    const intoMesh = new MeshSwitch(8)
    expect(intoMesh.onDirect(7, Mesh)).toBe(Mesh)
    // Outside the band the count decides, whatever an answer says.
    expect(new MeshSwitch(8).onDirect(9, Mesh)).toBe(Relay)
    // An answer from a peer that does not know either leaves the newcomer undecided (in the mesh).
    const undecided = new MeshSwitch(8)
    expect(undecided.onDirect(7, undefined)).toBeNull()
    expect(undecided.isMeshing).toBe(true)
  })

  it('a peer that knows its state ignores a count that reached it alone', () => {
    const peer = new MeshSwitch(8)
    peer.onFanOut(5)
    expect(peer.onDirect(9, undefined)).toBe(Mesh)
    expect(peer.onDirect(9, Relay)).toBe(Mesh)
  })

  it('starts over after signalling dropped', () => {
    const peer = new MeshSwitch(8)
    peer.onFanOut(9)
    peer.reset()
    expect(peer.state).toBeNull()
    expect(peer.onDirect(7, Mesh)).toBe(Mesh)
  })

  it('refuses a limit that is not a whole number of peers', () => {
    for (const bad of [-1, 2.5, Number.NaN]) expect(() => assertMeshPeerLimit(bad)).toThrow(/meshPeerLimit/)
    for (const good of [0, 1, 8, Number.POSITIVE_INFINITY]) expect(() => assertMeshPeerLimit(good)).not.toThrow()
  })

  it('a room filling up and emptying: all relay beyond the limit, all mesh again at the return size', () => {
    const room = new Room(3)
    for (let i = 0; i < 3; i++) room.join()
    expect(room.meshing()).toEqual([true, true, true])
    room.join()
    expect(room.meshing()).toEqual([false, false, false, false])
    room.leave(3)
    expect(room.meshing()).toEqual([false, false, false])
    // Someone joins the room in the band: it relays like the others.
    room.join()
    room.leave(0)
    expect(room.meshing()).toEqual([false, false, false])
    room.leave(0)
    expect(room.meshing()).toEqual([true, true])
  })

  it('every peer of a room agrees, through random joins and leaves (convergence)', () => {
    const seed = Math.floor(Math.random() * 2 ** 31)
    const random = createRandom(seed)
    for (let round = 0; round < 200; round++) {
      const limit = 1 + Math.floor(random() * 10)
      const room = new Room(limit)
      for (let step = 0; step < 60; step++) {
        const size = room.members.length
        if (size === 0 || (random() < 0.55 && size < limit + 4)) room.join()
        else room.leave(Math.floor(random() * size))
        const meshing = room.meshing()
        const context = `seed ${seed}, round ${round}, step ${step}, limit ${limit}, ${meshing.length} peers`
        expect(new Set(meshing).size <= 1, `peers disagree (${context}): ${meshing.join()}`).toBe(true)
        if (meshing.length > limit) expect(meshing[0], context).toBe(false)
        if (meshing.length > 0 && meshing.length <= meshReturnSize(limit)) expect(meshing[0], context).toBe(true)
      }
    }
  })
})
