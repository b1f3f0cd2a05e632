/**
 * The proof of one ledger transfer (/proofs/transfers/:id): the record, its canonical text, the
 * leaf hash, the Merkle path and the root, and the anchor transaction that put the root on chain.
 * The page checks the proof itself (verifyProof.ts) and shows each hash it computed next to the
 * one the server sent, so the check can be followed by eye.
 */
import { useEffect, useState } from 'react'
import { useParams } from 'react-router'
import type { TransferProof } from '../../../../contracts/proofs.ts'
import { EmptyState } from '../../components/EmptyState.tsx'
import { toDisplayError } from '../../components/errorMessages.ts'
import { formatInteger, formatSats } from '../../components/format.ts'
import { Page } from '../../components/Page.tsx'
import { QueryError } from '../../components/QueryError.tsx'
import { Section } from '../../components/Section.tsx'
import { PROOF_POLL_INTERVAL_MS, useTransferProof } from './proofsApi.ts'
import { checkTransferProof, type ProofCheck, proofFailure } from './verifyProof.ts'
import './proofs.css'

const ANCHOR_STATES: Record<TransferProof['anchor']['state'], string> = {
  built: 'signed, waiting to be sent',
  broadcast: 'sent, waiting for a block',
  confirmed: 'confirmed in a block',
  failed: 'refused by the network; its records go into the next anchor',
}

/**
 * The browser's own check of the proof. Web Crypto exists only on secure pages (HTTPS or
 * localhost), so on a plain-HTTP page the check is 'unavailable' rather than a false failure.
 */
function useProofCheck(proof: TransferProof): ProofCheck | 'unavailable' | undefined {
  const supported = globalThis.crypto?.subtle !== undefined
  const [result, setResult] = useState<{ proof: TransferProof; check: ProofCheck }>()
  useEffect(() => {
    if (!supported) return
    let current = true
    void checkTransferProof(proof).then((check) => {
      if (current) setResult({ proof, check })
    })
    return () => {
      current = false
    }
  }, [proof, supported])
  if (!supported) return 'unavailable'
  // A newer proof (its anchor confirmed meanwhile) is never shown with the older one's check.
  return result?.proof === proof ? result.check : undefined
}

function Verdict({ check }: { check: ProofCheck | 'unavailable' | undefined }) {
  if (check === undefined) return <p className="status-muted">Checking the proof in your browser…</p>
  if (check === 'unavailable') {
    return (
      <p className="proof-verdict" data-verdict="unavailable" role="status">
        This page cannot check the proof: the browser allows hashing only on secure (HTTPS) pages.
      </p>
    )
  }
  const failure = proofFailure(check)
  if (failure === null) {
    return (
      <p className="proof-verdict" data-verdict="verified" role="status">
        Verified: the path leads to the anchored root.
      </p>
    )
  }
  return (
    <p className="proof-verdict" data-verdict="failed" role="alert">
      Not verified: {failure}
    </p>
  )
}

function Mark({ ok }: { ok: boolean }) {
  return (
    <span className="proof-mark" data-ok={ok}>
      {ok ? 'matches' : 'differs'}
    </span>
  )
}

function CheckSection({
  proof,
  check,
}: {
  proof: TransferProof
  check: ProofCheck | 'unavailable' | undefined
}) {
  return (
    <Section title="Check">
      <Verdict check={check} />
      {typeof check === 'object' && (
        <ol className="proof-checks">
          <li>
            The canonical text below is exactly this record <Mark ok={check.textIsRecord} />
          </li>
          <li>
            SHA-256 of a 0x00 byte and the text is the leaf hash <Mark ok={check.leafMatches} />
          </li>
          <li>
            Hashing up the path from the leaf gives the root <Mark ok={check.rootMatches} />
          </li>
        </ol>
      )}
      <p className="proof-note">
        What is left to the chain: the anchor transaction{' '}
        <span className="mono break-anywhere">{proof.anchor.txid}</span> writes this root in its OP_RETURN
        output, and any block explorer shows it.
      </p>
    </Section>
  )
}

function RecordSection({ proof }: { proof: TransferProof }) {
  const { record } = proof
  return (
    <Section title="Record">
      <dl className="proof-facts">
        <div>
          <dt>Amount</dt>
          <dd className="figure">{formatSats(record.amountSats)}</dd>
        </div>
        <div>
          <dt>Code</dt>
          <dd className="mono">{record.code}</dd>
        </div>
        <div>
          <dt>Ledger position</dt>
          <dd className="figure">{formatInteger(record.seq)}</dd>
        </div>
      </dl>
      {/* Identifiers are long: one per line, so they wrap as little as the width allows. */}
      <dl className="proof-ids">
        <div>
          <dt>Transfer</dt>
          <dd className="mono break-anywhere">{record.id}</dd>
        </div>
        <div>
          <dt>From account</dt>
          <dd className="mono break-anywhere">{record.debit}</dd>
        </div>
        <div>
          <dt>To account</dt>
          <dd className="mono break-anywhere">{record.credit}</dd>
        </div>
        <div>
          <dt>Reference</dt>
          <dd className="mono break-anywhere">{record.ref ?? 'none'}</dd>
        </div>
      </dl>
      <h3 className="proof-subheading">Canonical text</h3>
      <pre className="proof-canonical">{proof.canonical}</pre>
    </Section>
  )
}

/** A hash the server sent, marked once the browser has computed its own. */
function Hash({ label, value, ok }: { label: string; value: string; ok: boolean | undefined }) {
  return (
    <div className="proof-hash">
      <span className="proof-hash-label">{label}</span>
      <span className="mono break-anywhere">{value}</span>
      {ok !== undefined && <Mark ok={ok} />}
    </div>
  )
}

function PathSection({
  proof,
  check,
}: {
  proof: TransferProof
  check: ProofCheck | 'unavailable' | undefined
}) {
  const computed = typeof check === 'object' ? check : undefined
  return (
    <Section title="Merkle path">
      <Hash label="Leaf hash" value={proof.leafHash} ok={computed?.leafMatches} />
      {proof.path.length === 0 ? (
        <p className="proof-note">This record was alone in its period: its leaf is the root.</p>
      ) : (
        <ol className="proof-path" aria-label="Path steps, from the leaf up">
          {proof.path.map((step, index) => {
            const node = computed?.steps?.[index]?.node
            return (
              // Siblings at different levels are different subtrees, so their hashes differ.
              <li key={step.hash}>
                <span className="proof-hash-label">
                  Step {index + 1}: sibling on the {step.side}
                </span>
                <span className="mono break-anywhere">{step.hash}</span>
                {node && (
                  <span className="proof-step-node">
                    gives <span className="mono break-anywhere">{node}</span>
                  </span>
                )}
              </li>
            )
          })}
        </ol>
      )}
      <Hash label="Root" value={proof.root} ok={computed?.rootMatches} />
    </Section>
  )
}

function AnchorSection({ anchor }: { anchor: TransferProof['anchor'] }) {
  return (
    <Section title="Anchor">
      <dl className="proof-facts">
        <div className="proof-facts-wide">
          <dt>Transaction</dt>
          <dd className="mono break-anywhere">{anchor.txid}</dd>
        </div>
        <div>
          <dt>State</dt>
          <dd>{ANCHOR_STATES[anchor.state]}</dd>
        </div>
        <div>
          <dt>Block</dt>
          <dd className="figure">
            {anchor.blockHeight === null ? 'not yet' : formatInteger(anchor.blockHeight)}
          </dd>
        </div>
        <div>
          <dt>Period</dt>
          <dd className="mono">{anchor.period}</dd>
        </div>
        {anchor.blockHash && (
          <div className="proof-facts-wide">
            <dt>Block hash</dt>
            <dd className="mono break-anywhere">{anchor.blockHash}</dd>
          </div>
        )}
      </dl>
      {anchor.txMerkleProof && (
        <p className="proof-note">
          The chain’s own Merkle proof places the transaction at position{' '}
          {formatInteger(anchor.txMerkleProof.index)} in block{' '}
          {formatInteger(anchor.txMerkleProof.blockHeight)},{' '}
          {formatInteger(anchor.txMerkleProof.nodes.length)} steps below the block’s Merkle root.
        </p>
      )}
    </Section>
  )
}

function ProofDetails({ proof }: { proof: TransferProof }) {
  const check = useProofCheck(proof)
  return (
    <>
      <CheckSection proof={proof} check={check} />
      <RecordSection proof={proof} />
      <PathSection proof={proof} check={check} />
      <AnchorSection anchor={proof.anchor} />
    </>
  )
}

function ProofContent({ transferId }: { transferId: string }) {
  const { data: proof, error, isLoading } = useTransferProof(transferId)
  if (isLoading) return <p className="status-muted">Loading the proof…</p>
  if (proof) return <ProofDetails proof={proof} />
  if (toDisplayError(error).code === 'NOT_ANCHORED_YET') {
    return (
      <div role="status">
        <EmptyState title="Not on chain yet">
          this transfer is recorded, and it is anchored after the next block. This page asks again every{' '}
          {PROOF_POLL_INTERVAL_MS / 1000} seconds and shows the proof as soon as there is one.
        </EmptyState>
      </div>
    )
  }
  return <QueryError what="the proof" error={error} />
}

export function ProofPage() {
  const { id = '' } = useParams()
  return (
    <Page
      title="Transfer proof"
      purpose="The proof that a movement of your balance is part of a period whose Merkle root is written on chain, checked here in your browser."
    >
      <ProofContent transferId={id} />
    </Page>
  )
}
