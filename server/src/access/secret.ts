import { createHmac, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'

/** The file in the data directory that holds the generated secret. */
export const SECRET_FILE = 'secret.key'

/** Fewest bytes a secret may have: anything shorter makes the keys derived from it guessable. */
export const MIN_SECRET_BYTES = 32

/**
 * The server's signing secret: `configured` when set, else the one stored in `dataDir`, generated
 * (32 random bytes, readable by the owner only) on first start. Every node of a cluster and every
 * restart must use the same one, or share links and resume secrets stop being accepted.
 *
 * Throws when the secret is too short (an empty or truncated file decodes to a short or empty key,
 * and every link signed with it could be forged): the server must not start on it.
 */
export function loadSecret(configured: string | undefined, dataDir: string): Uint8Array {
  if (configured !== undefined) {
    if (configured.length < MIN_SECRET_BYTES) {
      throw new Error(`the configured secret (EASEL_SECRET) must be at least ${MIN_SECRET_BYTES} characters`)
    }
    return new TextEncoder().encode(configured)
  }
  const file = path.join(dataDir, SECRET_FILE)
  fs.mkdirSync(dataDir, { recursive: true })
  try {
    return readStored(file)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  const secret = randomBytes(MIN_SECRET_BYTES)
  // Written whole under a temporary name, then linked into place: a crash mid-write never leaves
  // a truncated secret.key, and `link` (unlike `rename`) fails rather than replace the one
  // another process put there meanwhile, which is then used instead.
  const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`
  const fd = fs.openSync(temp, 'wx', 0o600)
  try {
    fs.writeSync(fd, `${secret.toString('base64url')}\n`)
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
  try {
    fs.linkSync(temp, file)
    return secret
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    return readStored(file)
  } finally {
    fs.rmSync(temp, { force: true })
  }
}

/** The secret stored in `file`, refused when it decodes to fewer than {@link MIN_SECRET_BYTES}. */
function readStored(file: string): Uint8Array {
  const secret = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64url')
  if (secret.length < MIN_SECRET_BYTES) {
    throw new Error(
      `${file} holds a ${secret.length}-byte secret, at least ${MIN_SECRET_BYTES} are needed: ` +
        'restore it, or delete it to generate a new one (links and resume secrets made under the old one stop working)',
    )
  }
  return secret
}

/** A key for one purpose (`links`, `resume`), so a value signed for one is never valid for another. */
export function deriveKey(secret: Uint8Array, purpose: string): Uint8Array {
  return createHmac('sha256', secret).update(`easel:${purpose}`).digest()
}
