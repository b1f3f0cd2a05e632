/**
 * Errors this app raises itself while talking to a wallet. Their messages are written for the
 * user and say what to do; errors of other kinds come from inside a wallet, in its own words.
 */
export class WalletFlowError extends Error {
  override name = 'WalletFlowError'
}

/** The user closed or refused the wallet's prompt. */
export class WalletDeclinedError extends WalletFlowError {
  override name = 'WalletDeclinedError'
  constructor(wallet: string) {
    super(`${wallet} did not sign in. If you closed its window by mistake, try again.`)
  }
}

/** The wallet was found earlier but its object has gone (extension disabled or reloaded). */
export class WalletMissingError extends WalletFlowError {
  override name = 'WalletMissingError'
  constructor(wallet: string) {
    super(`${wallet} is not available in this browser any more. Reload the page and try again.`)
  }
}
