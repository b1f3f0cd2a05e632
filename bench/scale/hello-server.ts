/**
 * The baseline of the `api` benchmark: a bare Fastify hello-world (no plugins, no logger, no
 * database), the fastest a Fastify route can answer on this machine.
 *
 *   PORT=0 node --import tsx bench/scale/hello-server.ts      prints `listening <port>`
 */
import Fastify from 'fastify'

const app = Fastify({ logger: false })
app.get('/hello', async () => ({ hello: 'world' }))

const address = await app.listen({
  port: Number(process.env.PORT ?? 0),
  host: process.env.HOST ?? '127.0.0.1',
})
process.stdout.write(`listening ${new URL(address).port}\n`)

process.on('SIGTERM', async () => {
  await app.close()
  process.exit(0)
})
