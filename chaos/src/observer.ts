import { BoardSync } from '@easel/client/sync/BoardSync.ts'
import NodeWebSocket from 'ws'
import { versionedMap } from '@easel/shared'
import * as Y from 'yjs'
import { docContentJson } from './simUser.ts'

/**
 * An honest client on a perfect network, connected to the room for the whole run: what the server
 * has broadcast (its document) and every lease change it announced, to check that text is
 * accepted only from a shape's holder. (Tokens are not broadcast; the users' own grants are
 * checked for fencing in invariants.ts.)
 */
export class Observer {
  readonly sync: BoardSync
  readonly violations: string[] = []
  /** Lease change announcements, leases announced held in them, and text commits judged. */
  readonly stats = { leaseLists: 0, grants: 0, textCommits: 0 }

  /** The holder of each shape's lease, as last announced. */
  private holders = new Map<string, string>()

  constructor(room: string, serverUrl: string) {
    this.sync = new BoardSync(room, {
      serverUrl,
      name: 'observer',
      color: '#868e96',
      offline: false,
      WebSocket: NodeWebSocket as unknown as typeof WebSocket,
      storage: null,
      events: null,
      isOnline: () => true,
    })
    this.sync.onEasel((m) => {
      if (m.t === 'leases') {
        this.holders = new Map()
        for (const l of m.leases) this.holders.set(l.shapeId, l.holderName)
        return
      }
      if (m.t !== 'leases.changed') return
      this.stats.leaseLists++
      for (const id of m.removed) this.holders.delete(id)
      const seen = new Set<string>()
      for (const l of m.set) {
        if (seen.has(l.shapeId)) this.violations.push(`two leases announced on ${l.shapeId}`)
        seen.add(l.shapeId)
        if (m.removed.includes(l.shapeId)) this.violations.push(`${l.shapeId} announced held and freed`)
        this.holders.set(l.shapeId, l.holderName)
        this.stats.grants++
      }
    })
    // The fence, seen from outside: text the server accepts live comes from the shape's current
    // lease holder (or is the first text of a shape nobody holds). Updates replayed in a sync step
    // 2 after a reconnect are history and are not judged against today's holders.
    const versioned = versionedMap(this.sync.doc)
    versioned.observe((event) => {
      if (!this.sync.provider.synced) return
      for (const key of event.keysChanged) {
        if (!key.endsWith(':text')) continue
        const entry = versioned.get(key) as { version: number; by: string } | undefined
        if (!entry) continue
        const shapeId = key.slice(0, -':text'.length)
        const holder = this.holders.get(shapeId)
        this.stats.textCommits++
        if (holder === undefined ? entry.version !== 1 : holder !== entry.by) {
          this.violations.push(
            `text of ${shapeId} v${entry.version} accepted from ${entry.by} while ${holder ?? 'nobody'} held the lease`,
          )
        }
      }
    })
    this.sync.provider.on('status', ({ status }: { status: string }) => {
      if (status !== 'connected') this.holders = new Map()
    })
  }

  get doc(): Y.Doc {
    return this.sync.doc
  }

  settled(): boolean {
    const s = this.sync.getState()
    return s.status === 'connected' && s.synced
  }

  contentJson(): string {
    return docContentJson(this.sync.doc)
  }

  stateVector(): Map<number, number> {
    return Y.decodeStateVector(Y.encodeStateVector(this.sync.doc))
  }

  destroy(): void {
    this.sync.destroy()
  }
}
