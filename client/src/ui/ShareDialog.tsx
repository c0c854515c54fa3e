import { useId, useRef, useState } from 'react'
import {
  type AccessMode,
  type BoardAccessInfo,
  createLink,
  type Role,
  revokeLinks,
  setAccessMode,
} from '../access.ts'
import { shareUrl } from '../identity.ts'
import { copyText } from './copyText.ts'
import { Modal } from './Modal.tsx'

/** The two ways a board can be opened, as the owner chooses between them. */
const MODES: [AccessMode, string][] = [
  ['open', 'Anyone with the URL can edit'],
  ['link', 'Only people with a link'],
]

const ROLE_WORDS: Record<Role, string> = {
  owner: 'You own this board.',
  edit: 'You can edit this board.',
  view: 'You can view this board, but not change it.',
}

const EXPIRIES = [
  { label: 'Never', seconds: undefined },
  { label: '1 day', seconds: 24 * 3600 },
  { label: '7 days', seconds: 7 * 24 * 3600 },
] as const

type Props = {
  room: string
  /** What the server said about the board; null while it is being asked. */
  info: BoardAccessInfo | null
  /** The owner token this browser holds, or null. */
  ownerToken: string | null
  /** The board's access changed (mode, or links revoked): ask the server again. */
  onChanged: () => void
  onClose: () => void
}

/**
 * Sharing the board: the owner picks who may open it without a link, makes view and edit links
 * (with an expiry), copies them and revokes them all; anyone else sees the address and their role.
 * Modal like the other dialogs: Esc, ✕ or a click outside closes it.
 */
export function ShareDialog({ room, info, ownerToken, onChanged, onClose }: Props) {
  const owner = ownerToken !== null && info?.role === 'owner'
  return (
    <Modal
      title="Share this board"
      testId="share-dialog"
      closeTestId="share-close"
      className="share-dialog"
      onClose={onClose}
    >
      {owner ? (
        <OwnerPanel room={room} info={info} ownerToken={ownerToken} onChanged={onChanged} />
      ) : (
        <GuestPanel info={info} />
      )}
    </Modal>
  )
}

function GuestPanel({ info }: { info: BoardAccessInfo | null }) {
  const [copied, setCopied] = useState(false)
  const field = useRef<HTMLTextAreaElement>(null)
  const url = location.href
  return (
    <>
      <p data-testid="share.role">
        {info === null ? 'Asking the server…' : info.role ? ROLE_WORDS[info.role] : (info.reason ?? '')}
      </p>
      <p className="share-note">
        The address below opens the board with the same rights as yours. Only the board's owner can make other
        links.
      </p>
      <LinkField field={field} value={url} testId="share.url" />
      <div className="notice-actions">
        <button
          type="button"
          data-testid="share.copy-url"
          onClick={() => void copyText(url, field.current).then((r) => setCopied(r === 'copied'))}
        >
          {copied ? 'Copied' : 'Copy address'}
        </button>
      </div>
    </>
  )
}

function OwnerPanel({
  room,
  info,
  ownerToken,
  onChanged,
}: {
  room: string
  info: BoardAccessInfo
  ownerToken: string
  onChanged: () => void
}) {
  const modeName = useId()
  const [role, setRole] = useState<'view' | 'edit'>('view')
  const [expiry, setExpiry] = useState(0)
  const [link, setLink] = useState<{ url: string; role: 'view' | 'edit'; expiresAt: string | null } | null>(
    null,
  )
  const [copied, setCopied] = useState(false)
  const [confirming, setConfirming] = useState(false)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [revoked, setRevoked] = useState(false)
  const field = useRef<HTMLTextAreaElement>(null)

  const act = (fn: () => Promise<void>) => {
    setBusy(true)
    setError(null)
    fn()
      .catch((err: Error) => setError(err.message))
      .finally(() => setBusy(false))
  }
  const changeMode = (mode: AccessMode) =>
    act(async () => {
      await setAccessMode(room, ownerToken, mode)
      onChanged()
    })
  /** A view link on an open board restricts nobody (its bare address edits): it needs link-only. */
  const needsLinkMode = role === 'view' && info.mode === 'open'
  const makeLink = () =>
    act(async () => {
      if (needsLinkMode) {
        // First the board, so the server accepts the view link; the radio above follows.
        await setAccessMode(room, ownerToken, 'link')
        onChanged()
      }
      const made = await createLink(room, ownerToken, role, EXPIRIES[expiry]!.seconds)
      setLink({ url: shareUrl(location.origin, room, made.token), role, expiresAt: made.expiresAt })
      setCopied(false)
      setRevoked(false)
    })
  const revoke = () =>
    act(async () => {
      await revokeLinks(room, ownerToken)
      setConfirming(false)
      setLink(null)
      setRevoked(true)
      onChanged()
    })

  return (
    <>
      <p data-testid="share.role">{ROLE_WORDS.owner}</p>
      <fieldset className="share-mode" disabled={busy}>
        <legend>Who can open this board</legend>
        {MODES.map(([mode, words]) => (
          <label key={mode}>
            <input
              type="radio"
              name={modeName}
              data-testid={`share.mode.${mode}`}
              checked={info.mode === mode}
              onChange={() => changeMode(mode)}
            />
            {words}
          </label>
        ))}
      </fieldset>
      <fieldset className="share-link" disabled={busy}>
        <legend>Make a link</legend>
        <div className="share-row">
          <label>
            Role{' '}
            <select
              data-testid="share.link-role"
              value={role}
              onChange={(e) => setRole(e.target.value === 'edit' ? 'edit' : 'view')}
            >
              <option value="view">Can view</option>
              <option value="edit">Can edit</option>
            </select>
          </label>
          <label>
            Expires{' '}
            <select
              data-testid="share.link-expiry"
              value={expiry}
              onChange={(e) => setExpiry(Number(e.target.value))}
            >
              {EXPIRIES.map((x, i) => (
                <option key={x.label} value={i}>
                  {x.label}
                </option>
              ))}
            </select>
          </label>
          <button
            type="button"
            className="primary share-create"
            data-testid="share.create"
            onClick={makeLink}
          >
            Create link
          </button>
        </div>
        {needsLinkMode && (
          <p className="share-note" data-testid="share.view-needs-link">
            A view link needs the board to be link-only: creating it switches to "Only people with a link".
          </p>
        )}
        {link && (
          <>
            <p className="share-note" data-testid="share.link-summary">
              {link.role === 'edit' ? 'An edit' : 'A view-only'} link,{' '}
              {link.expiresAt ? `valid until ${new Date(link.expiresAt).toLocaleString()}` : 'without expiry'}
              .
            </p>
            <LinkField field={field} value={link.url} testId="share.link" />
            <div className="notice-actions">
              <button
                type="button"
                data-testid="share.copy"
                onClick={() => void copyText(link.url, field.current).then((r) => setCopied(r === 'copied'))}
              >
                {copied ? 'Copied' : 'Copy link'}
              </button>
            </div>
          </>
        )}
      </fieldset>
      <fieldset className="share-revoke" disabled={busy}>
        <legend>Revoke</legend>
        {confirming ? (
          <div role="alert" data-testid="share.revoke-confirm">
            <p>
              Every view and edit link made so far stops working, and whoever is on the board through one is
              disconnected now. Your own access stays.
            </p>
            <div className="notice-actions">
              <button type="button" className="danger" data-testid="share.revoke-yes" onClick={revoke}>
                Revoke all links
              </button>
              <button type="button" data-testid="share.revoke-no" onClick={() => setConfirming(false)}>
                Cancel
              </button>
            </div>
          </div>
        ) : (
          <div className="notice-actions">
            <button type="button" data-testid="share.revoke" onClick={() => setConfirming(true)}>
              Revoke all links…
            </button>
            {revoked && <span data-testid="share.revoked">All earlier links are revoked.</span>}
          </div>
        )}
      </fieldset>
      {error && (
        <p role="alert" data-testid="share.error">
          {error}
        </p>
      )}
    </>
  )
}

function LinkField({
  field,
  value,
  testId,
}: {
  field: React.RefObject<HTMLTextAreaElement | null>
  value: string
  testId: string
}) {
  return (
    <textarea
      ref={field}
      className="share-url"
      data-testid={testId}
      readOnly
      rows={2}
      value={value}
      onFocus={(e) => e.target.select()}
    />
  )
}
