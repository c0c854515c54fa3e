import { type FormEvent, type ReactNode, useEffect, useMemo, useState } from 'react'
import { type Dashboard, type HotShape, shapeLink } from '@easel/shared'
import { ThemeMenu } from '../ui/ThemeMenu.tsx'
import { Chart, type ChartSeries } from './Chart.tsx'
import { bytes, compact, percent, uptime } from './format.ts'
import { ERROR_TEXT, pollDashboard, pollDelay, retryDelay } from './poll.ts'
import { anyAboveZero, buildSeries, closeRows, headline, limitRows } from './series.ts'
import './admin.css'

const TOKEN_KEY = 'easel:admin-token'
/** Series colours: distinct, and readable on the light and the dark card. */
const PALETTE = ['#6965db', '#e8590c', '#0ca678', '#d6336c', '#1c7ed6', '#f59f00', '#ae3ec9', '#2f9e44']
const colour = (i: number) => PALETTE[i % PALETTE.length]!

function loadToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY)
  } catch {
    return null
  }
}

function saveToken(token: string | null): void {
  try {
    if (token === null) sessionStorage.removeItem(TOKEN_KEY)
    else sessionStorage.setItem(TOKEN_KEY, token)
  } catch {
    // Kept for this page only.
  }
}

/** `/admin`: the operator's live view of conflicts, lease waits, load and limits. */
export function AdminPage() {
  const [token, setToken] = useState<string | null>(loadToken)
  const [signInError, setSignInError] = useState<string | null>(null)
  useEffect(() => {
    document.title = 'Easel admin'
  }, [])
  if (token === null) {
    return (
      <SignIn
        error={signInError}
        onSubmit={(t) => {
          saveToken(t)
          setSignInError(null)
          setToken(t)
        }}
      />
    )
  }
  return (
    <Live
      token={token}
      onRejected={(why) => {
        saveToken(null)
        setSignInError(why)
        setToken(null)
      }}
    />
  )
}

function SignIn({ error, onSubmit }: { error: string | null; onSubmit: (token: string) => void }) {
  const [value, setValue] = useState('')
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (value.trim()) onSubmit(value.trim())
  }
  return (
    <div className="admin admin-signin-page">
      <form className="admin-card admin-signin" onSubmit={submit} data-testid="admin.signin">
        <h1>Easel admin</h1>
        <p className="admin-muted">The admin token the server was started with (--admin-token).</p>
        {error && (
          <p className="admin-signin-error" role="alert" data-testid="admin.signin-error">
            {error}
          </p>
        )}
        <input
          type="password"
          autoComplete="current-password"
          placeholder="Admin token"
          aria-label="Admin token"
          data-testid="admin.token"
          // biome-ignore lint/a11y/noAutofocus: the page's only field
          autoFocus
          value={value}
          onChange={(e) => setValue(e.target.value)}
        />
        <button type="submit" className="admin-primary" data-testid="admin.submit" disabled={!value.trim()}>
          Sign in
        </button>
      </form>
    </div>
  )
}

type LiveState = {
  data: Dashboard | null
  /** The last answer could not be read (kept: the last good data). */
  error: string | null
  /** The server could not be reached; retrying. */
  offline: { message: string; retryInMs: number } | null
}

/** Polls the dashboard with `token`; a rejected token hands back to the sign-in form. */
function usePoll(token: string, onRejected: (why: string) => void): LiveState {
  const [state, setState] = useState<LiveState>({ data: null, error: null, offline: null })
  // biome-ignore lint/correctness/useExhaustiveDependencies: onRejected is called at most once, after which this unmounts
  useEffect(() => {
    let stopped = false
    let timer: ReturnType<typeof setTimeout> | undefined
    let failures = 0
    let interval = 2000
    const abort = new AbortController()
    const tick = async () => {
      const r = await pollDashboard(token, abort.signal)
      if (stopped) return
      if (r.kind === 'unauthorized') return onRejected(ERROR_TEXT.unauthorized)
      if (r.kind === 'unconfigured') return onRejected(r.message)
      let next: number
      if (r.kind === 'network') {
        next = retryDelay(failures++)
        setState((s) => ({ ...s, offline: { message: r.message, retryInMs: next } }))
      } else if (r.kind === 'malformed') {
        failures = 0
        next = pollDelay(interval)
        setState((s) => ({ ...s, error: r.message, offline: null }))
      } else {
        failures = 0
        interval = r.data.intervalMs
        next = pollDelay(interval)
        setState({ data: r.data, error: null, offline: null })
      }
      timer = setTimeout(tick, next)
    }
    void tick()
    return () => {
      stopped = true
      abort.abort()
      clearTimeout(timer)
    }
  }, [token])
  return state
}

function Live({ token, onRejected }: { token: string; onRejected: (why: string | null) => void }) {
  const { data, error, offline } = usePoll(token, onRejected)
  return (
    <div className="admin" data-testid="admin">
      <header className="admin-header">
        <div className="admin-title">
          <h1>Easel admin</h1>
          {data && (
            <span className="admin-muted">
              up {uptime(data.now - data.startedAt)} · sampled every {compact(data.intervalMs / 1000)} s
            </span>
          )}
        </div>
        <div className="admin-header-end">
          <span
            className={`admin-live ${offline ? 'offline' : 'live'}`}
            data-testid="admin.live"
            data-status={offline ? 'offline' : 'live'}
          >
            <span className="dot" />
            {offline ? 'reconnecting' : 'live'}
          </span>
          <ThemeMenu />
          <button type="button" className="admin-button" onClick={() => onRejected(null)}>
            Sign out
          </button>
        </div>
      </header>
      {offline && (
        <div className="admin-banner" role="status" data-testid="admin.offline">
          Cannot reach the server ({offline.message}); trying again in {Math.ceil(offline.retryInMs / 1000)}{' '}
          s. The numbers below are from the last answer.
        </div>
      )}
      {error && (
        <div className="admin-banner error" role="alert" data-testid="admin.error">
          {error}
        </div>
      )}
      {data ? <Panels data={data} /> : !error && <p className="admin-muted admin-loading">Loading…</p>}
    </div>
  )
}

function Panels({ data }: { data: Dashboard }) {
  const s = useMemo(() => buildSeries(data.samples, data.intervalMs), [data])
  const h = headline(data)
  const limits = limitRows(data)
  const closes = closeRows(data.totals.closes)
  const conflictSeries: ChartSeries[] = s.fields.map((f, i) => ({
    label: f,
    values: s.conflictsPerMin[i]!,
    color: colour(i),
  }))
  const conflictTotal = Object.values(data.totals.conflictsByField).reduce((a, b) => a + b, 0)
  const waitsInSamples = s.leaseWaits.reduce((a, b) => a + b, 0)
  const noSamples = data.samples.length === 0 ? <Empty>waiting for the first sample</Empty> : null
  return (
    <main className="admin-grid">
      <section className="admin-headline" data-testid="admin.headline">
        <Stat label="Commits ok" value={h.commits.ok} testId="commits-ok" />
        <Stat label="Conflicts" value={h.commits.conflict} testId="conflicts" tone="warn" />
        <Stat
          label="Conflict rate"
          value={h.conflictRate}
          testId="conflict-rate"
          text={h.conflictRate === null ? '–' : percent(h.conflictRate)}
          hint="of version-checked commits"
        />
        <Stat
          label="Duplicates"
          value={h.commits.duplicate}
          testId="duplicates"
          hint="retries answered again"
        />
        <Stat label="Leases granted" value={h.leasesGranted} testId="leases" />
        <Stat label="Users" value={h.users} testId="users" text={h.users === null ? '–' : undefined} />
        <Stat label="Rooms" value={h.rooms} testId="rooms" text={h.rooms === null ? '–' : undefined} />
      </section>

      <div className="admin-row">
        <Card
          title="Conflicts by field"
          unit="per minute (trailing minute)"
          testId="admin.conflicts"
          attrs={{ 'data-series': s.fields.length, 'data-total': conflictTotal }}
        >
          {noSamples ??
            (anyAboveZero(s.conflictsPerMin) ? (
              <Chart x={s.t} series={conflictSeries} unit="conflicts / min" />
            ) : (
              <Empty>no conflicts yet</Empty>
            ))}
        </Card>

        <Card
          title="Lease wait"
          unit="ms, p50 and p99 per interval"
          testId="admin.lease-wait"
          attrs={{ 'data-waits': waitsInSamples, 'data-points': s.leaseP50.filter((v) => v !== null).length }}
        >
          {noSamples ??
            (anyAboveZero([s.leaseWaits]) ? (
              <Chart
                x={s.t}
                unit="ms"
                series={[
                  { label: 'p50', values: s.leaseP50, color: colour(0), points: true },
                  { label: 'p99', values: s.leaseP99, color: colour(1), dash: true, points: true },
                ]}
              />
            ) : (
              <Empty>no lease waits yet</Empty>
            ))}
        </Card>
      </div>

      <div className="admin-row three">
        <Card title="Rooms and users" unit="open at each sample" testId="admin.load">
          {noSamples ?? (
            <Chart
              x={s.t}
              unit="count"
              series={[
                { label: 'users', values: s.users, color: colour(0), fill: true },
                { label: 'rooms', values: s.rooms, color: colour(2) },
              ]}
            />
          )}
        </Card>

        <Card title="Updates" unit="per second" testId="admin.updates">
          {noSamples ?? (
            <Chart
              x={s.t}
              unit="updates / s"
              series={[
                { label: 'in', values: s.updatesInPerSec, color: colour(4), fill: true },
                { label: 'out', values: s.updatesOutPerSec, color: colour(5), dash: true },
              ]}
            />
          )}
        </Card>

        <Card title="Traffic" unit="bytes per second" testId="admin.bytes">
          {noSamples ?? (
            <Chart
              x={s.t}
              unit="bytes / s"
              format={bytes}
              series={[
                { label: 'in', values: s.bytesInPerSec, color: colour(4), fill: true },
                { label: 'out', values: s.bytesOutPerSec, color: colour(5), dash: true },
              ]}
            />
          )}
        </Card>
      </div>

      <Card
        title="Hottest shapes"
        unit="since the server started"
        testId="admin.hot-shapes"
        attrs={{ 'data-count': data.hotShapes.length }}
      >
        {data.hotShapes.length === 0 ? (
          <Empty small>no conflicts or lease waits on any shape yet</Empty>
        ) : (
          <HotShapesTable shapes={data.hotShapes} />
        )}
      </Card>

      <div className="admin-row">
        <Card title="Limits tripped" unit="total · last minute" testId="admin.limits">
          {limits.length === 0 ? (
            <Empty small>no limit tripped</Empty>
          ) : (
            <Table head={[['Limit'], ['Total', true], ['Last min', true]]}>
              {limits.map((l) => (
                <tr key={l.name} data-testid="admin.limit" data-name={l.name} data-total={l.total}>
                  <td>
                    <code>{l.name}</code>
                  </td>
                  <td className="num">{l.total}</td>
                  <td className={`num ${l.recent > 0 ? 'hot' : ''}`}>{l.recent}</td>
                </tr>
              ))}
            </Table>
          )}
        </Card>

        <Card title="Sockets closed" unit="by close code, since start" testId="admin.closes">
          {closes.length === 0 ? (
            <Empty small>the server has closed no socket</Empty>
          ) : (
            <Table head={[['Code'], ['Meaning'], ['Count', true]]}>
              {closes.map((c) => (
                <tr key={c.code} data-testid="admin.close" data-code={c.code} data-count={c.count}>
                  <td>
                    <code>{c.code}</code>
                  </td>
                  <td>{c.name}</td>
                  <td className="num">{c.count}</td>
                </tr>
              ))}
            </Table>
          )}
        </Card>
      </div>
    </main>
  )
}

function HotShapesTable({ shapes }: { shapes: HotShape[] }) {
  return (
    <Table
      head={[
        ['Room'],
        ['Shape'],
        ['Conflicts', true],
        ['Lease waits', true],
        ['Max wait', true],
        ['Fields lost'],
        ['Board', true],
      ]}
    >
      {shapes.map((s) => (
        <tr
          key={`${s.room}/${s.shape}`}
          data-testid="admin.hot-shape"
          data-room={s.room}
          data-shape={s.shape}
          data-conflicts={s.conflicts}
          data-lease-waits={s.leaseWaits}
        >
          <td>
            <code>{s.room}</code>
          </td>
          <td>
            <code>{s.shape}</code>
          </td>
          <td className={`num ${s.conflicts > 0 ? 'hot' : ''}`}>{s.conflicts}</td>
          <td className={`num ${s.leaseWaits > 0 ? 'hot' : ''}`}>{s.leaseWaits}</td>
          <td className="num">{s.leaseWaits > 0 ? `${compact(s.leaseWaitMaxMs)} ms` : '–'}</td>
          <td>
            {Object.entries(s.fields)
              .sort((a, b) => b[1] - a[1])
              .map(([f, n]) => (
                <span key={f} className="admin-chip">
                  {f} <b>{n}</b>
                </span>
              ))}
          </td>
          <td className="num">
            <a
              href={shapeLink(s.room, s.shape)}
              target="_blank"
              rel="noreferrer"
              data-testid="admin.hot-shape.open"
            >
              Open ↗
            </a>
          </td>
        </tr>
      ))}
    </Table>
  )
}

/** A table of the dashboard: column heads (`true`: a number column, right-aligned) and rows. */
function Table({ head, children }: { head: [label: string, numeric?: boolean][]; children: ReactNode }) {
  return (
    <div className="admin-table-wrap">
      <table className="admin-table">
        <thead>
          <tr>
            {head.map(([label, numeric]) => (
              <th key={label} className={numeric ? 'num' : undefined}>
                {label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  )
}

type StatProps = {
  label: string
  value: number | null
  testId: string
  text?: string | undefined
  hint?: string
  tone?: 'warn'
}

function Stat({ label, value, testId, text, hint, tone }: StatProps) {
  return (
    <div
      className={`admin-card admin-stat ${tone === 'warn' && value ? 'warn' : ''}`}
      data-testid={`admin.stat.${testId}`}
      data-value={value ?? ''}
    >
      <span className="admin-stat-label">{label}</span>
      <span className="admin-stat-value">{text ?? compact(value ?? 0)}</span>
      {hint && <span className="admin-stat-hint">{hint}</span>}
    </div>
  )
}

type CardProps = {
  title: string
  unit: string
  testId: string
  attrs?: Record<`data-${string}`, number>
  children: ReactNode
}

function Card({ title, unit, testId, attrs, children }: CardProps) {
  return (
    <section className="admin-card admin-panel" data-testid={testId} {...attrs}>
      <h2>
        {title} <span className="admin-unit">{unit}</span>
      </h2>
      {children}
    </section>
  )
}

/** What a panel shows instead of an empty chart or table (`small`: in place of a table). */
function Empty({ children, small }: { children: ReactNode; small?: boolean }) {
  return (
    <div className={`admin-empty ${small ? 'small' : ''}`} data-testid="admin.empty">
      {children}
    </div>
  )
}
