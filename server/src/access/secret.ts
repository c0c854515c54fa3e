import { createHmac, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'

/** The file in the data directory that holds the generated secret. */
export const SECRET_FILE = 'secret.key'

/**
 * The server's signing secret: `configured` when set, else the one stored in `dataDir`, generated
 * (32 random bytes, readable by the owner only) on first start. Every node of a cluster and every
 * restart must use the same one, or share links and resume secrets stop being accepted.
 */
export function loadSecret(configured: string | undefined, dataDir: string): Uint8Array {
  if (configured !== undefined) return new TextEncoder().encode(configured)
  const file = path.join(dataDir, SECRET_FILE)
  fs.mkdirSync(dataDir, { recursive: true })
  try {
    return Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64url')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  const secret = randomBytes(32)
  try {
    // `wx`: if another process created it meanwhile, use theirs.
    fs.writeFileSync(file, `${secret.toString('base64url')}\n`, { flag: 'wx', mode: 0o600 })
    return secret
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    return Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64url')
  }
}

/** A key for one purpose (`links`, `resume`), so a value signed for one is never valid for another. */
export function deriveKey(secret: Uint8Array, purpose: string): Uint8Array {
  return createHmac('sha256', secret).update(`easel:${purpose}`).digest()
}
