/**
 * What the CNN and ResNet examples share: Adam at 2e-3 on Fashion-MNIST in small batches, reporting the
 * last epoch's test accuracy, and running themselves when executed directly.
 */
import { pathToFileURL } from 'node:url'
import { type Model, type runtime, adam, fashionMnist, fit, runOrThrow } from '../src/index.js'

/** The optimizer settings the examples use, exported by each so `typegrad train --model` defaults to them too. */
export const recipe = { optimizer: 'adam', lr: 2e-3, lrDecay: 1 } as const

/** What an example's `main` can shorten (the test trains on a subset). */
export interface ExampleOptions {
  readonly epochs?: number
  readonly limit?: number
  /** Default 64: small batches give the few-epoch runs more steps. */
  readonly batchSize?: number
  readonly backend?: runtime.BackendChoice
  readonly log?: (line: string) => void
}

/**
 * Trains `model` ([N, 1, 28, 28] -> [N, 10]) on Fashion-MNIST; returns the test accuracy `fit` measured after the last epoch.
 * @example const { testAcc } = await trainOnFashion(cnn, { epochs: 1, limit: 4000 })
 */
export const trainOnFashion = async <O, P>(model: Model<readonly ['N', 1, 28, 28], O, P>, opts: ExampleOptions = {}): Promise<{ readonly testAcc: number }> => {
  const { history } = await runOrThrow(
    fit(model, {
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

/**
 * Runs `main` and prints its test accuracy when the module at `url` is the process's entry point.
 * @example await runWhenMain(import.meta.url, main)
 */
export const runWhenMain = async (url: string, main: () => Promise<{ readonly testAcc: number }>): Promise<void> => {
  if (process.argv[1] === undefined || url !== pathToFileURL(process.argv[1]).href) return
  const { testAcc } = await main()
  console.log(`test acc ${testAcc.toFixed(3)}`)
}
