/**
 * One training epoch and one evaluation pass over a split. Per step the loop only enqueues device work:
 * the step's loss and correct-count scalars are added into a device accumulator (the metrics monoid) and
 * the per-step losses are kept, so the host reads everything with ONE download per epoch.
 *
 * Divergence: that read includes every step's loss, so a NaN/Inf names its exact step. By default the check
 * runs at the epoch's read (a diverged run wastes at most the rest of one epoch); `checkEvery = k > 0` also
 * reads the new losses every k steps (one extra host sync each) to stop sooner.
 */
import * as tf from '@tensorflow/tfjs-core'
import * as E from 'fp-ts/lib/Either.js'
import type * as TE from 'fp-ts/lib/TaskEither.js'
import type { Monoid } from 'fp-ts/lib/Monoid.js'
import { type Batch, exampleBatches } from '../data/batches.js'
import type { Examples } from '../data/examples.js'
import type { StepMetrics, TrainProgram } from './contract.js'
import { type TrainError, trainError } from './errors.js'
import { type Accumulator, accumulatorMonoid } from './metrics.js'
import { type Progress, noProgress } from './progress.js'

/** Where an epoch sits in the run. */
export interface EpochPlan {
  /** 1-based. */
  readonly epoch: number
  readonly batchSize: number
  /** Shuffle seed; the batch order is `epochOrder(n, seed, epoch - 1)`. */
  readonly seed: number
  /** Steps completed before this epoch (for the global step in errors). */
  readonly stepsBefore: number
  readonly checkEvery: number
}

/** A batch as tensors [size, ...shape] and [size, ...targetShape]. */
export const batchTensors = (ex: Examples, b: Batch<Int32Array | Float32Array>): [tf.Tensor, tf.Tensor] => [
  tf.tensor(b.x, [b.size, ...ex.shape], 'float32'),
  tf.tensor(b.y, [b.size, ...ex.targetShape], ex.targetDtype),
]

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/**
 * Runs `f` on every batch and folds the metrics on the device; returns the host totals and per-step losses.
 * Owns every tensor it makes: afterwards the number of live tensors is what it was before.
 */
const fold = async (
  split: Examples,
  batchList: Iterable<Batch<Int32Array | Float32Array>>,
  sum: Monoid<tf.Scalar>,
  f: (x: tf.Tensor, y: tf.Tensor) => StepMetrics,
  onStep: (losses: readonly tf.Scalar[], sizes: readonly number[]) => Promise<TrainError | undefined>,
  progress: Progress,
): Promise<TrainError | { readonly totals: Accumulator<number>; readonly losses: Float32Array; readonly sizes: readonly number[] }> => {
  const M = accumulatorMonoid(sum)
  let acc: Accumulator<tf.Scalar> = M.empty
  const losses: tf.Scalar[] = []
  const sizes: number[] = []
  const release = (a: Accumulator<tf.Scalar>) => {
    for (const t of [a.lossSum, a.correct, ...a.extra]) if (t !== sum.empty) t.dispose()
  }
  try {
    for (const b of batchList) {
      const [x, y] = batchTensors(split, b)
      let m: StepMetrics
      try {
        m = f(x, y)
      } finally {
        x.dispose()
        y.dispose()
      }
      const next = M.concat(acc, { lossSum: m.lossSum, correct: m.correct, extra: m.extra, count: b.size })
      // the list monoid's unit adopts the other side's tensors (the first step's metric sums): keep those
      const adopted = new Set<tf.Tensor>([next.lossSum, next.correct, ...next.extra])
      for (const t of [acc.lossSum, acc.correct, ...acc.extra, m.correct, ...m.extra]) if (t !== sum.empty && !adopted.has(t)) t.dispose()
      acc = next
      losses.push(m.lossSum) // kept until the epoch's read: one download finds a diverging step
      sizes.push(b.size)
      const stop = await onStep(losses, sizes)
      if (stop !== undefined) return stop
      progress.tick()
      await yieldToEventLoop()
    }
    const sums = [acc.lossSum, acc.correct, ...acc.extra]
    const all = tf.tidy(() => tf.concat([tf.stack(sums), losses.length > 0 ? tf.stack(losses) : tf.zeros([0])]))
    const host = (await all.data()) as Float32Array
    all.dispose()
    const extra = Array.from(host.subarray(2, sums.length))
    return { totals: { lossSum: host[0]!, correct: host[1]!, extra, count: acc.count }, losses: host.slice(sums.length), sizes }
  } finally {
    release(acc)
    for (const l of losses) l.dispose()
  }
}

/** The first non-finite per-step loss as a Diverged error, if any. */
const findDivergence = (plan: EpochPlan, losses: ArrayLike<number>, sizes: readonly number[], offset = 0): TrainError | undefined => {
  for (let i = 0; i < losses.length; i++) {
    const l = losses[i]!
    if (!Number.isFinite(l)) {
      const step = offset + i + 1
      return trainError.diverged(plan.epoch, step, plan.stepsBefore + step, l / sizes[offset + i]!)
    }
  }
  return undefined
}

/**
 * Trains one epoch over `train` in the seeded order of `plan`; host totals (summed loss, correct, count) on success,
 * `Diverged` (epoch and step) when a loss is NaN or infinite, `StepFailed` when the program throws.
 *
 * @example
 * const totals = await trainEpoch(program, data.train, { epoch: 1, batchSize: 256, seed: 0, stepsBefore: 0, checkEvery: 0 }, sum, noProgress)()
 */
export const trainEpoch = (
  program: TrainProgram,
  train: Examples,
  plan: EpochPlan,
  sum: Monoid<tf.Scalar>,
  progress: Progress,
): TE.TaskEither<TrainError, Accumulator<number>> => async () => {
  let checked = 0
  const onStep = async (losses: readonly tf.Scalar[], sizes: readonly number[]): Promise<TrainError | undefined> => {
    if (plan.checkEvery <= 0 || losses.length - checked < plan.checkEvery) return undefined
    const fresh = losses.slice(checked)
    const v = tf.stack(fresh)
    const host = await v.data()
    v.dispose()
    const err = findDivergence(plan, host, sizes, checked)
    checked = losses.length
    return err
  }
  const batchList = exampleBatches(train, { batchSize: plan.batchSize, shuffle: true, seed: plan.seed, epoch: plan.epoch - 1 })
  try {
    const r = await fold(train, batchList, sum, (x, y) => program.step(x, y), onStep, progress)
    if ('_tag' in r) return E.left(r)
    const err = findDivergence(plan, r.losses, r.sizes)
    return err !== undefined ? E.left(err) : E.right(r.totals)
  } catch (e) {
    return E.left(trainError.stepFailed(plan.epoch, e))
  }
}

/**
 * Evaluates the program (no update) over `split` in stored order: host totals.
 * @example const { correct, count } = await evaluateSplit(program, data.test, 256, sum, 1)()
 */
export const evaluateSplit = (
  program: TrainProgram,
  split: Examples,
  batchSize: number,
  sum: Monoid<tf.Scalar>,
  epoch: number,
): TE.TaskEither<TrainError, Accumulator<number>> => async () => {
  try {
    const batchList = exampleBatches(split, { batchSize, shuffle: false })
    const r = await fold(split, batchList, sum, (x, y) => program.evaluate(x, y), async () => undefined, noProgress)
    return '_tag' in r ? E.left(r) : E.right(r.totals)
  } catch (e) {
    return E.left(trainError.stepFailed(epoch, e))
  }
}
