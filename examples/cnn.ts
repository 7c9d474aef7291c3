/**
 * A small convolutional network for Fashion-MNIST written as a plain function composition: `model` wraps a
 * body that pipes the input through layer values with fp-ts `pipe`, the same way one would compose any
 * other functions. Each stage's output shape is in the type (hover `cnn`: Model<['N', 1, 28, 28], ['N', 10]>),
 * so a wrong channel count or a `linear` that does not match the flattened size is a compile-time error.
 *
 *   npx tsx examples/cnn.ts                           # trains and prints `test acc 0.8...`
 *   npx typegrad train --model examples/cnn.ts
 */
import { pipe } from 'fp-ts/lib/function.js'
import { pathToFileURL } from 'node:url'
import {
  type runtime,
  adam,
  batchNorm2d,
  conv2d,
  fashionMnist,
  fit,
  flatten,
  linear,
  maxPool2d,
  model,
  mul,
  relu,
  runOrThrow,
} from '../src/index.js'

// No conv bias before a batch norm: its beta is the same shift, learned once.
const cnn = model(['N', 1, 28, 28], (x) =>
  pipe(
    x,
    conv2d(1, 16, { kernel: 3, padding: 1, bias: false, init: 'kaimingUniform' }),
    batchNorm2d(16),
    relu(),
    maxPool2d({ kernel: 2 }), // -> [N, 16, 14, 14]
    conv2d(16, 32, { kernel: 3, padding: 1, bias: false, init: 'kaimingUniform' }),
    batchNorm2d(32),
    relu(),
    maxPool2d({ kernel: 2 }), // -> [N, 32, 7, 7]
    flatten(),
    linear(mul(32, 7, 7), 10),
  ),
)

export default cnn

/** The optimizer settings `main` uses, exported so `typegrad train --model` defaults to them too. */
export const recipe = { optimizer: 'adam', lr: 2e-3, lrDecay: 1 } as const

/** What `main` can shorten (the test trains on a subset). */
export interface CnnOptions {
  readonly epochs?: number
  readonly limit?: number
  /** Default 64: small batches give the few-epoch runs more steps. */
  readonly batchSize?: number
  readonly backend?: runtime.BackendChoice
  readonly log?: (line: string) => void
}

/** Trains the CNN; returns the test accuracy `fit` measured after the last epoch. */
export const main = async (opts: CnnOptions = {}): Promise<{ readonly testAcc: number }> => {
  const { history } = await runOrThrow(
    fit(cnn, {
      data: fashionMnist(),
      optimizer: adam(recipe.lr),
      epochs: opts.epochs ?? 5,
      batchSize: opts.batchSize ?? 64,
      backend: opts.backend ?? 'auto',
      log: opts.log ?? console.log,
      limit: opts.limit,
    }),
  )
  return { testAcc: history.at(-1)?.testAcc ?? Number.NaN }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { testAcc } = await main()
  console.log(`test acc ${testAcc.toFixed(3)}`)
}
