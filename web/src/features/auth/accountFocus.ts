/**
 * The element that takes focus when the control that had it is gone: after signing in, the
 * Connect wallet button that opened the dialog has been replaced by the account's identity.
 */
export const ACCOUNT_FOCUS_ID = 'account-identity'
