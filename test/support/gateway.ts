/**
 * A WebSocket gateway on its own HTTP server on a free loopback port, for tests of one channel:
 * the URL clients connect to, and a close that stops the gateway, then the server.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { WS_PATH } from '../../contracts/ws.ts'
import { attachGateway, type Gateway, type GatewayOptions } from '../../src/http/ws/gateway.ts'

export interface ListeningGateway {
  gateway: Gateway
  url: string
  close(): Promise<void>
}

export async function listenGateway(options: Partial<GatewayOptions> = {}): Promise<ListeningGateway> {
  const server = http.createServer()
  const gateway = attachGateway(server, {
    sessions: { resolveSession: async () => null },
    messagesPerSecond: 100,
    ...options,
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    gateway,
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}${WS_PATH}`,
    close: async () => {
      await gateway.close()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}
