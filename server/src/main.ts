import { loadConfig, redactConfig } from './config.ts'
import { createServer } from './server.ts'

let config: ReturnType<typeof loadConfig>
try {
  config = loadConfig(process.argv.slice(2), process.env)
} catch (err) {
  console.error((err as Error).message)
  process.exit(2)
}

const server = await createServer(config)
// Secrets are never logged: only whether they are set.
server.log.info({ config: redactConfig(config) }, 'configuration')
server.log.info(`Easel is running: open ${server.url}`)
if (server.metricsUrl) server.log.info(`metrics at ${server.metricsUrl}/metrics`)
// Plain line for humans and scripts waiting for readiness.
console.log(`Easel listening on ${server.url}`)

let stopping = false
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return
    stopping = true
    server.log.info({ signal }, 'shutting down')
    server.close().then(
      () => process.exit(0),
      (err) => {
        server.log.error({ err }, 'shutdown failed')
        process.exit(1)
      },
    )
  })
}
