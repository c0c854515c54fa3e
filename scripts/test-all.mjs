// Runs every check in order and ends with a single summary line: "N passed, N failed".
// Static checks stop the run early; both test suites always run so one failure does not hide another.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

const root = path.resolve(import.meta.dirname, '..')
// Not test-results/: Playwright empties its output folder when it starts.
const results = path.join(root, '.test-reports')
fs.mkdirSync(results, { recursive: true })

const run = (label, cmd, args, env = {}) => {
  console.log(`\n==> ${label}`)
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } })
  return r.status === 0
}

let failedSteps = 0
for (const [label, script] of [
  ['typecheck', 'typecheck'],
  ['package boundaries and import cycles', 'check:deps'],
  ['lint', 'lint'],
  ['format check', 'format:check'],
]) {
  if (!run(label, 'pnpm', ['run', '-s', script])) {
    console.log(`\n${label} failed`)
    console.log('0 passed, 1 failed')
    process.exit(1)
  }
}

const vitestJson = path.join(results, 'vitest.json')
const pwJson = path.join(results, 'playwright.json')
fs.rmSync(vitestJson, { force: true })
fs.rmSync(pwJson, { force: true })
if (
  !run('unit and integration tests (vitest)', 'pnpm', [
    'exec',
    'vitest',
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${vitestJson}`,
  ])
)
  failedSteps++
if (!run('build client and server', 'pnpm', ['run', '-s', 'build'])) failedSteps++
if (
  !run(
    'end-to-end tests (playwright)',
    'pnpm',
    ['exec', 'playwright', 'test', '-c', 'e2e/playwright.config.ts'],
    { EASEL_PW_JSON: pwJson },
  )
)
  failedSteps++

let passed = 0
let failed = 0
try {
  const v = JSON.parse(fs.readFileSync(vitestJson, 'utf8'))
  passed += v.numPassedTests
  failed += v.numFailedTests
} catch {
  failed++
}
try {
  const p = JSON.parse(fs.readFileSync(pwJson, 'utf8'))
  passed += p.stats.expected
  failed += p.stats.unexpected + p.stats.flaky
} catch {
  failed++
}
if (failed === 0 && failedSteps > 0) failed = failedSteps
console.log(`\n${passed} passed, ${failed} failed`)
process.exit(failed === 0 && failedSteps === 0 ? 0 : 1)
