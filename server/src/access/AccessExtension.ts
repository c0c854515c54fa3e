import { CloseCode } from '@easel/shared'
import { type ConnectContext, ConnectionRefused, type Extension } from '../Extension.ts'
import type { AccessControl } from './AccessControl.ts'

/** The query parameter of the socket URL that carries a share link or owner token. */
export const TOKEN_PARAM = 'k'

/**
 * Admits a socket by the token in its URL (`?k=`), or by the board being open: refuses it with
 * {@link CloseCode.Unauthorized} and the reason in words, or records its right on the context
 * (view links make it read-only).
 */
export class AccessExtension implements Extension {
  readonly name = 'access'

  constructor(private readonly access: AccessControl) {}

  async onAuthenticate(ctx: ConnectContext): Promise<void> {
    const token = new URL(ctx.request.url, 'http://localhost').searchParams.get(TOKEN_PARAM) ?? undefined
    const granted = await this.access.grant(ctx.room, token)
    if ('refused' in granted) throw new ConnectionRefused(CloseCode.Unauthorized, granted.refused)
    ctx.access = granted
    if (granted.role === 'view') ctx.readOnly = true
  }
}
