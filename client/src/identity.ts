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
