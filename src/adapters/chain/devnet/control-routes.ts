/**
 * Devnet controls in the Memepool API (under /api/v1): the faucet that funds a test wallet and
 * on-demand mining. Registered in every mode so that on main or test they answer DEVNET_ONLY
 * instead of falling through to the web app; main passes the Devnet only when CHAIN=devnet.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { BlockSummary } from '../../../../contracts/chain.ts'
import { AppError } from '../../../http/errors.ts'
import { ERROR_RESPONSES } from '../../../http/openapi.ts'
import { HASH_HEX_PATTERN } from '../bytes.ts'
import { DEFAULT_MAX_FAUCET_SATS, type Devnet } from './devnet.ts'

/** The API mines at most this many blocks per request (Devnet.mine allows more, for tests). */
export const MAX_API_MINE_BLOCKS = 100

const FaucetBody = Type.Object(
  {
    address: Type.String({
      minLength: 1,
      maxLength: 100,
      description: 'A P2PKH address (mainnet or testnet form).',
    }),
    satoshis: Type.Integer({ minimum: 1, maximum: DEFAULT_MAX_FAUCET_SATS }),
  },
  { additionalProperties: false },
)
const FaucetResponse = Type.Object({
  txid: Type.String({
    pattern: HASH_HEX_PATTERN,
    description: 'The faucet payment, in the mempool until the next block.',
  }),
})
const MineBody = Type.Object(
  { count: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_API_MINE_BLOCKS, default: 1 })) },
  { additionalProperties: false },
)
const MineResponse = Type.Object({ tip: BlockSummary })

function requireDevnet(devnet: Devnet | undefined): Devnet {
  if (!devnet) throw new AppError('DEVNET_ONLY')
  return devnet
}

/** Faucet and mining routes; `devnet` is undefined off the devnet. */
export function devnetControlRoutes(devnet: Devnet | undefined): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/devnet/faucet',
      {
        config: { auth: 'user' },
        schema: {
          tags: ['devnet'],
          summary: 'Pay devnet coins to an address (into the mempool; mine to confirm).',
          body: FaucetBody,
          response: { 200: FaucetResponse, ...ERROR_RESPONSES },
        },
      },
      async (request) => {
        const result = await requireDevnet(devnet).faucet(request.body.address, request.body.satoshis)
        if (result.status === 'invalid_address') {
          throw new AppError('INVALID_ADDRESS', { details: { address: request.body.address } })
        }
        if (result.status === 'invalid_amount') {
          throw new AppError('VALIDATION_FAILED', {
            message: `The faucet pays 1 to ${result.maxSats} satoshis.`,
            details: [{ location: 'body', path: '/satoshis', message: `must be at most ${result.maxSats}` }],
          })
        }
        return { txid: result.txid }
      },
    )

    app.post(
      '/devnet/mine',
      {
        config: { auth: 'admin' },
        schema: {
          tags: ['devnet'],
          summary: 'Mine blocks now (the first takes the whole mempool).',
          body: MineBody,
          response: { 200: MineResponse, ...ERROR_RESPONSES },
        },
        // `curl -X POST .../devnet/mine` with no body means one block, as the schema's default says.
        preValidation: async (request) => {
          request.body ??= {}
        },
      },
      async (request) => {
        const tip = await requireDevnet(devnet).mine(request.body.count ?? 1)
        return { tip }
      },
    )
  }
}
