/**
 * `pnpm bench [--only NAME[,NAME…]] [--quick] [--cpu-prof DIR]`
 *
 * Runs each registered benchmark, prints its results as Markdown on stdout (progress goes to
 * stderr) and writes `bench/results/<name>.md` and `.json` (`<name>.quick.*` with `--quick`, so a
 * smoke run does not overwrite the full results).
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { renderChart } from './chart.ts'
import { bigdoc } from './bigdoc.ts'
import { commits } from './commits.ts'
import { fanout } from './fanout.ts'
import { floodBench } from './flood.ts'
import { locks } from './locks.ts'
import { metrics } from './metrics.ts'
import { render } from './render.ts'
import { type Benchmark, type BenchResult, markdownTable, progress } from './report.ts'

/** Every benchmark, in run order. Add new modules here. */
const BENCHMARKS: Benchmark[] = [fanout, render, commits, locks, floodBench, bigdoc, metrics]

const RESULTS_DIR = path.join(import.meta.dirname, 'results')
/** After the last benchmark nothing should keep the process alive; if something does, say so and exit. */
const EXIT_GRACE_MS = 10_000

const USAGE = `usage: tsx bench/run.ts [--only NAME[,NAME...]] [--quick] [--cpu-prof DIR]
  --only NAME   run only these benchmarks (${BENCHMARKS.map((b) => b.name).join(', ')})
  --quick       small sizes, for a smoke run; results go to bench/results/<name>.quick.{md,json}
  --cpu-prof    write V8 CPU profiles of the server processes into DIR`

function parseCli() {
  try {
    const { values } = parseArgs({
      // `pnpm bench -- --quick` passes the separator through.
      args: process.argv.slice(2).filter((a) => a !== '--'),
      options: {
        only: { type: 'string' },
        quick: { type: 'boolean', default: false },
        'cpu-prof': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    })
    return values
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`)
    process.exit(2)
  }
}

function environment(quick: boolean) {
  const cpus = os.cpus()
  return {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    mode: quick ? 'quick' : 'full',
  }
}

type Environment = ReturnType<typeof environment>

/** The SVG file of each chart, named after the report: `<report base>.<chart name>.svg`. */
function chartFiles(base: string, result: BenchResult): { file: string; svg: string; title: string }[] {
  return (result.charts ?? []).map((c) => ({
    file: `${base}.${c.name}.svg`,
    svg: renderChart(c),
    title: c.title,
  }))
}

function toMarkdown(
  name: string,
  env: Environment,
  result: BenchResult,
  charts: { file: string; title: string }[],
): string {
  const parts = [
    `# ${result.title}`,
    [
      `- Benchmark: \`${name}\` (${env.mode} run: \`tsx bench/run.ts --only ${name}${env.mode === 'quick' ? ' --quick' : ''}\`)`,
      `- Date: ${env.date}`,
      `- Node ${env.node} on ${env.platform}; ${env.cpus} × ${env.cpuModel}; ${env.memoryGiB} GiB RAM`,
      '- Everything measured (servers, clients, browser) runs on this one machine and competes for the same cores.',
    ].join('\n'),
    result.description.join('\n'),
    ...result.tables.map((t) => `## ${t.title}\n\n${markdownTable(t)}`),
  ]
  if (charts.length > 0) {
    parts.push(`## Charts\n\n${charts.map((c) => `![${c.title}](${path.basename(c.file)})`).join('\n\n')}`)
  }
  if (result.notes.length > 0) parts.push(`## Notes\n\n${result.notes.map((n) => `- ${n}`).join('\n')}`)
  return `${parts.join('\n\n')}\n`
}

async function main(): Promise<void> {
  const args = parseCli()
  if (args.help) {
    console.log(USAGE)
    return
  }
  let selected = BENCHMARKS
  if (args.only !== undefined) {
    const names = args.only.split(',').map((s) => s.trim())
    const unknown = names.filter((n) => !BENCHMARKS.some((b) => b.name === n))
    if (unknown.length > 0) {
      console.error(`unknown benchmark ${unknown.join(', ')}\n${USAGE}`)
      process.exit(2)
    }
    selected = BENCHMARKS.filter((b) => names.includes(b.name))
  }
  const cpuProfileDir = args['cpu-prof'] === undefined ? undefined : path.resolve(args['cpu-prof'])

  fs.mkdirSync(RESULTS_DIR, { recursive: true })
  let failed = false
  for (const bench of selected) {
    const env = environment(args.quick)
    progress(`${bench.name}: starting (${env.mode})`)
    const started = performance.now()
    let result: BenchResult
    try {
      result = await bench.run({ quick: args.quick, cpuProfileDir })
    } catch (err) {
      failed = true
      progress(`${bench.name}: FAILED: ${(err as Error).stack ?? err}`)
      continue
    }
    const base = path.join(RESULTS_DIR, args.quick ? `${bench.name}.quick` : bench.name)
    const charts = chartFiles(base, result)
    for (const c of charts) fs.writeFileSync(c.file, c.svg)
    const markdown = toMarkdown(bench.name, env, result, charts)
    fs.writeFileSync(`${base}.md`, markdown)
    fs.writeFileSync(
      `${base}.json`,
      `${JSON.stringify({ name: bench.name, environment: env, tables: result.tables, data: result.data }, null, 2)}\n`,
    )
    process.stdout.write(`${markdown}\n`)
    progress(
      `${bench.name}: done in ${((performance.now() - started) / 1000).toFixed(0)} s; wrote ${path.relative(process.cwd(), base)}.{md,json}`,
    )
  }
  if (cpuProfileDir) progress(`CPU profiles of the servers are in ${cpuProfileDir}`)
  process.exitCode = failed ? 1 : 0
  setTimeout(() => {
    progress(
      `still running ${EXIT_GRACE_MS / 1000} s after the last benchmark; something leaked a handle. Exiting.`,
    )
    process.exit(process.exitCode ?? 1)
  }, EXIT_GRACE_MS).unref()
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  // Exiting runs the `exit` hook in servers.ts, which kills the server processes.
  process.on(signal, () => process.exit(130))
}

await main()
