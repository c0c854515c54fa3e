import { useState, useSyncExternalStore } from 'react'
import { capitalize, describe, type Editor } from '../editor/Editor.ts'
import type { BoardSync } from '../sync/BoardSync.ts'
import { applyRecovery, deleteStash, type RecoveryPlan, readStash } from '../sync/recovery.ts'
import { copyText } from './copyText.ts'
import { useLayer } from './layers.ts'

/**
 * After "reload from the server": offers to re-apply the board kept aside before the reload, once
 * the fresh board has synced, and then says what it could and could not re-apply. "Not now" (or
 * Esc) hides the offer; the board stays kept and is offered again on the next load.
 */
export function Recovery({ sync, editor, room }: { sync: BoardSync; editor: Editor; room: string }) {
  const state = useSyncExternalStore(sync.subscribe, sync.getState)
  const [stash, setStash] = useState(() => readStash(localStorage, room))
  const [done, setDone] = useState<RecoveryPlan | null>(null)
  const [later, setLater] = useState(false)
  const offered = !done && !!stash && state.synced && !later
  useLayer(offered, () => setLater(true), false)

  if (done) return <RecoveryReport plan={done} onClose={() => setDone(null)} />
  if (!stash || !offered) return null
  const n = stash.length
  return (
    <div className="recovery panel" role="dialog" aria-label="Re-apply your changes" data-testid="recovery">
      <p>
        Your board from before the reload ({n} shape{n === 1 ? '' : 's'}) is kept in this browser. Re-apply it
        to the board from the server?
      </p>
      <div className="notice-actions">
        <button type="button" data-testid="recovery.later" onClick={() => setLater(true)}>
          Not now
        </button>
        <button
          type="button"
          data-testid="recovery.discard"
          onClick={() => {
            deleteStash(localStorage, room)
            setStash(null)
          }}
        >
          Discard
        </button>
        <button
          type="button"
          className="primary"
          data-testid="recovery.apply"
          onClick={() => {
            const plan = applyRecovery(editor, stash)
            deleteStash(localStorage, room)
            setStash(null)
            setDone(plan)
          }}
        >
          Re-apply my changes
        </button>
      </div>
    </div>
  )
}

function RecoveryReport({ plan, onClose }: { plan: RecoveryPlan; onClose: () => void }) {
  useLayer(true, onClose, false)
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`
  return (
    <div className="recovery panel" role="dialog" aria-label="Changes re-applied" data-testid="recovery">
      <p data-testid="recovery.summary">
        Re-applied: {count(plan.create.length, 'shape')} brought back, {count(plan.update.length, 'shape')}{' '}
        updated.
        {plan.deletedOnServer.length > 0 &&
          ` ${count(plan.deletedOnServer.length, 'shape')} had been deleted on the server and stayed deleted.`}
        {plan.unreadable.length > 0 && ` ${count(plan.unreadable.length, 'shape')} could not be re-applied.`}
      </p>
      {plan.textDiffers.length > 0 && (
        <>
          <p>
            Text is only changed while editing it, so these shapes keep the server's text. Your text is here
            to copy:
          </p>
          <ul className="recovery-texts">
            {plan.textDiffers.map((d) => (
              <li key={d.id} data-testid="recovery.text" data-shape-id={d.id}>
                {capitalize(describe({ kind: d.kind, text: d.theirs }))}:
                <textarea
                  className="draft"
                  readOnly
                  value={d.mine}
                  rows={Math.min(4, d.mine.split('\n').length)}
                />
                <button
                  type="button"
                  onClick={(e) => {
                    const field = e.currentTarget.previousElementSibling
                    void copyText(d.mine, field instanceof HTMLTextAreaElement ? field : null)
                  }}
                >
                  Copy my text
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
      <div className="notice-actions">
        <button type="button" data-testid="recovery.close" onClick={onClose}>
          Close
        </button>
      </div>
    </div>
  )
}
