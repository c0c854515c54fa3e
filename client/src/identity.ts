import { randomUuid } from '@easel/shared'
import type { User } from './editor/Editor.ts'

const COLORS = [
  '#e03131',
  '#2f9e44',
  '#1971c2',
  '#f08c00',
  '#9c36b5',
  '#0c8599',
  '#e8590c',
  '#5c940d',
  '#c2255c',
  '#3b5bdb',
]
const ADJECTIVES = ['Swift', 'Calm', 'Bright', 'Bold', 'Quiet', 'Lucky', 'Brave', 'Clever', 'Gentle', 'Witty']
const ANIMALS = ['Otter', 'Fox', 'Heron', 'Lynx', 'Panda', 'Koala', 'Falcon', 'Badger', 'Moose', 'Gecko']

function pick<T>(list: readonly T[]): T {
  return list[Math.floor(Math.random() * list.length)]!
}

/** This browser's user: id and colour are stable, the name is what the user last chose. */
export function loadUser(storage: Storage = localStorage): User {
  let id = storage.getItem('easel:userId')
  if (!id) {
    id = randomUuid()
    storage.setItem('easel:userId', id)
  }
  let name = storage.getItem('easel:name')
  if (!name) {
    name = `${pick(ADJECTIVES)} ${pick(ANIMALS)}`
    storage.setItem('easel:name', name)
  }
  let hash = 0
  for (const c of id) hash = (hash * 31 + c.charCodeAt(0)) | 0
  return { id, name, color: COLORS[Math.abs(hash) % COLORS.length]! }
}

export function saveUserName(name: string, storage: Storage = localStorage): void {
  storage.setItem('easel:name', name)
}

const ROOM_ALPHABET = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789'

/** A new board id: 12 characters, about 70 bits. */
export function newRoomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12))
  return Array.from(bytes, (b) => ROOM_ALPHABET[b % ROOM_ALPHABET.length]).join('')
}

const ownerKey = (room: string) => `easel:owner:${room}`

/** The owner token of `room` this browser holds (it created the board), or null. */
export function loadOwnerToken(room: string, storage: Storage = localStorage): string | null {
  return storage.getItem(ownerKey(room))
}

export function saveOwnerToken(room: string, token: string, storage: Storage = localStorage): void {
  storage.setItem(ownerKey(room), token)
}

const createdKey = (room: string) => `easel:created:${room}`

/** Notes that this tab just made up `room`'s id (a new board), so the page claims it. */
export function markCreated(room: string, storage: Storage = sessionStorage): void {
  storage.setItem(createdKey(room), '1')
}

/** Whether this tab made up `room`'s id and has not claimed it yet; forgets it either way. */
export function takeCreated(room: string, storage: Storage = sessionStorage): boolean {
  const created = storage.getItem(createdKey(room)) === '1'
  storage.removeItem(createdKey(room))
  return created
}

/**
 * The share link token in a board URL's fragment (`#k=<token>`): a fragment is never sent in an
 * HTTP request, so the token stays out of server and proxy logs.
 */
export function linkTokenFromHash(hash: string): string | null {
  const k = new URLSearchParams(hash.replace(/^#/, '')).get('k')
  return k === null || k === '' ? null : k
}

/** The address to share for `room` with `token`. */
export function shareUrl(origin: string, room: string, token: string): string {
  return `${origin}/b/${encodeURIComponent(room)}#k=${encodeURIComponent(token)}`
}
