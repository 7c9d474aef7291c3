/**
 * A small transformer (decoder-only, GPT style) learns to sort 8 digits: a task that needs attention, since
 * each output digit depends on all the input digits (how many of each there are) and on the ones already
 * output.
 *
 * A sequence is the 8 digits followed by the same digits sorted, 16 tokens: `3 1 4 1 5 9 2 6 | 1 1 2 3 4 5 6 9`.
 * The model reads all 16 (int32 token ids) and predicts at each position the next token; a causal mask
 * keeps position t from seeing the tokens after t, so the answer is never in view. Positions 7..14 predict
 * the 8 sorted digits, whose cross-entropy is the loss ([N, 8, 10] logits against [N, 8] labels: the mean
 * over every position) and whose accuracy is the fraction of digits right (teacher forcing: the sorted
 * digits before are given, as in training).
 *
 * Written with layers and F: token and learned positional embeddings, pre-norm blocks of multi-head
 * self-attention (softmax(q k^T / sqrt(d) + mask) v) and a GELU MLP with residuals, a final layer norm and a
 * linear head.
 *
 *   npx tsx examples/attention.ts          # prints `test acc 0.9...`
 */
import { pathToFileURL } from 'node:url'
import * as E from 'fp-ts/lib/Either.js'
import {
  type Expr,
  type Layer,
  type runtime,
  F,
  arrays,
  defineLayer,
  embedding,
  fill,
  fit,
  key,
  layerNorm,
  linear,
  mk,
  model,
  mul,
  runOrThrow,
  uniform,
} from '../src/index.js'
import type { IdentityFn, Shape } from '../src/types/index.js'

/** Digits per sequence, sequence length (digits, then sorted), vocabulary (digits 0-9). */
const L = 8
const T = 16
const V = 10
/** Model width, heads, width per head, transformer blocks. */
const D = 64
const H = 4
const DH = 16
const BLOCKS = 2

/**
 * A learned positional embedding: a [T, D] table added to the token embeddings [N, T, D] (row t to
 * position t; nn.Parameter of shape [T, D] in PyTorch), drawn from N(0, 1) as nn.Embedding's.
 */
const positional = (): Layer<IdentityFn, { readonly weight: readonly [typeof T, typeof D] }> =>
  defineLayer({
    kind: 'PositionalEmbedding',
    describe: `PositionalEmbedding(${T}, ${D})`,
    params: { weight: { shape: [T, D] as const, init: 'normal', fanIn: T, fanOut: D } },
    outShape: E.right,
    build: (x, p) => mk('add', [x, p.weight], {}),
  })

/** 0 on and below the diagonal, -1e9 above: added to the scores, it hides the positions after each query. */
const causalMask = (): Expr<readonly [typeof T, typeof T]> => {
  // row i: i + 1 zeros padded with -1e9 to T (sizes computed at run time, so typed as any Shape)
  const rows = Array.from({ length: T }, (_, i) => F.pad(fill<Shape>([1, i + 1], 0), [[0, 0], [0, T - 1 - i]], -1e9))
  return F.concat(rows, 0) as Expr<Shape> as Expr<readonly [typeof T, typeof T]>
}

type Seq = Expr<readonly ['N', typeof T, typeof D]>

/** Multi-head causal self-attention: [N, T, D] -> [N, T, D]. */
const attention = () => {
  const [q, k, v, out] = [linear(D, D), linear(D, D), linear(D, D), linear(D, D)]
  const heads = (h: Seq) => F.transpose(F.reshape(h, ['N', T, H, DH]), [0, 2, 1, 3]) // [N, H, T, DH]
  return (x: Seq): Seq => {
    const scores = F.mul(F.matmul(heads(q(x)), F.transpose(heads(k(x)), [0, 1, 3, 2])), fill([], 1 / Math.sqrt(DH))) // [N, H, T, T]
    const weights = F.softmax(F.add(scores, causalMask()), -1)
    const mixed = F.reshape(F.transpose(F.matmul(weights, heads(v(x))), [0, 2, 1, 3]), ['N', T, D]) // [N, T, D]
    return out(mixed)
  }
}

/** A pre-norm transformer block: x + attention(ln(x)), then h + mlp(ln(h)). */
const block = () => {
  const [ln1, ln2] = [layerNorm(D), layerNorm(D)]
  const attend = attention()
  const [up, down] = [linear(D, mul(4, D)), linear(mul(4, D), D)]
  return (x: Seq): Seq => {
    const h = F.add(x, attend(ln1(x)))
    return F.add(h, down(F.gelu(up(ln2(h)))))
  }
}

/** Token ids [N, 16] -> logits [N, 8, 10] for the 8 sorted digits (positions 7..14 predict tokens 8..15). */
export const sorter = (() => {
  const tok = embedding(V, D)
  const pos = positional()
  const blocks = Array.from({ length: BLOCKS }, block)
  const lnf = layerNorm(D)
  const head = linear(D, V)
  return model(
    ['N', T],
    (tokens) => {
      const x = blocks.reduce((h, b) => b(h), pos(tok(tokens)))
      return F.slice(head(lnf(x)), [0, 7, 0], [-1, L, V])
    },
    { input: 'int32' },
  )
})()

export default sorter

/** `n` sequences from `seed`: inputs [n, 16] (digits, then sorted) and targets [n, 8] (the sorted digits). */
export const sortings = (n: number, seed: number): { readonly shape: readonly [16]; readonly x: Int32Array; readonly y: Int32Array; readonly targetShape: readonly [8] } => {
  const digits = Int32Array.from(uniform(key(seed), n * L, 0, V), (u) => Math.min(V - 1, Math.floor(u)))
  const x = new Int32Array(n * T)
  const y = new Int32Array(n * L)
  for (let s = 0; s < n; s++) {
    const ds = Array.from(digits.subarray(s * L, s * L + L))
    const sorted = [...ds].sort((a, b) => a - b)
    for (let i = 0; i < L; i++) {
      x[s * T + i] = ds[i]!
      x[s * T + L + i] = sorted[i]!
      y[s * L + i] = sorted[i]!
    }
  }
  return { shape: [T], x, y, targetShape: [L] }
}

/** What `main` can shorten (the test trains on fewer sequences). */
export interface AttentionOptions {
  readonly train?: number
  readonly test?: number
  readonly epochs?: number
  readonly lr?: number
  readonly backend?: runtime.BackendChoice
  readonly log?: (line: string) => void
}

/** Trains the sorter on `train` random sequences and returns its per-digit accuracy on `test` others, and the seconds it took. */
export const main = async (opts: AttentionOptions = {}): Promise<{ readonly testAcc: number; readonly seconds: number }> => {
  const started = performance.now()
  const data = arrays(sortings(opts.train ?? 16384, 1), sortings(opts.test ?? 2048, 2))
  const { history } = await runOrThrow(
    fit(sorter, { data, optimizer: 'adam', lr: opts.lr ?? 3e-3, epochs: opts.epochs ?? 2, batchSize: 64, backend: opts.backend ?? 'wasm', log: opts.log ?? console.log }),
  )
  return { testAcc: history.at(-1)?.testAcc ?? Number.NaN, seconds: (performance.now() - started) / 1000 }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const run = await main()
  console.log(`test acc ${run.testAcc.toFixed(3)} (${run.seconds.toFixed(0)} s)`)
}
