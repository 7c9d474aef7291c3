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
import { type DeviceBatches, deviceBatches } from '../data/device-batches.js'
import type { Examples } from '../data/examples.js'
import type { StepMetrics, TrainProgram } from './contract.js'
import { DIVERGENCE_FACTOR, type TrainError, trainError } from './errors.js'
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
  /** The run's first step's mean loss, once known (the divergence rule's reference). */
  readonly reference?: number
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/** Per step: its summed loss, invalid inputs and invalid targets, read back together once per epoch (or per check). */
const STEP_FIELDS = 3

/**
 * Runs `f` on every batch and folds the metrics on the device; returns the host totals and, per step,
 * [summed loss, invalid inputs, invalid targets]. Owns every tensor it makes: afterwards the number of live
 * tensors is what it was before.
 */
const fold = async (
  batchList: DeviceBatches,
  sum: Monoid<tf.Scalar>,
  f: (x: tf.Tensor, y: tf.Tensor) => StepMetrics,
  onStep: (steps: readonly tf.Tensor[], sizes: readonly number[]) => Promise<TrainError | undefined>,
  progress: Progress,
): Promise<TrainError | { readonly totals: Accumulator<number>; readonly steps: Float32Array; readonly sizes: readonly number[] }> => {
  const M = accumulatorMonoid(sum)
  let acc: Accumulator<tf.Scalar> = M.empty
  const steps: tf.Tensor[] = []
  const sizes: number[] = []
  const release = (a: Accumulator<tf.Scalar>) => {
    for (const t of [a.lossSum, a.correct, ...a.extra]) if (t !== sum.empty) t.dispose()
  }
  try {
    for (const b of batchList) {
      const { x, y } = b
      let m: StepMetrics
      try {
        m = f(x, y)
      } finally {
        x.dispose()
        y.dispose()
      }
      const next = M.concat(acc, { lossSum: m.lossSum, correct: m.correct, extra: m.extra, count: b.size })
      release(acc)
      acc = next
      // kept until the epoch's read: one download finds a diverging step or a bad batch
      steps.push(tf.stack([m.lossSum, m.invalidInputs, m.invalidTargets]))
      tf.dispose([m.lossSum, m.correct, m.invalidInputs, m.invalidTargets, ...m.extra])
      sizes.push(b.size)
      const stop = await onStep(steps, sizes)
      if (stop !== undefined) return stop
      progress.tick()
      await yieldToEventLoop()
    }
    const sums = [acc.lossSum, acc.correct, ...acc.extra]
    const all = tf.tidy(() => tf.concat([tf.stack(sums), steps.length > 0 ? tf.concat(steps) : tf.zeros([0])]))
    const host = (await all.data()) as Float32Array
    all.dispose()
    const extra = Array.from(host.subarray(2, sums.length))
    return { totals: { lossSum: host[0]!, correct: host[1]!, extra, count: acc.count }, steps: host.slice(sums.length), sizes }
  } finally {
    release(acc)
    tf.dispose(steps)
    batchList.dispose()
  }
}

/**
 * The first problem among per-step records (from step `offset` on): a batch with invalid inputs or targets,
 * else a loss that is non-finite or over the divergence rule's bound (see DIVERGENCE_FACTOR). `reference` is
 * the run's first step's mean loss (the first record's, when not known yet).
 */
const findProblem = (plan: EpochPlan, records: ArrayLike<number>, sizes: readonly number[], offset: number, reference: number | undefined): TrainError | undefined => {
  const ref = reference ?? records[0]! / sizes[0]!
  for (let i = 0; i * STEP_FIELDS < records.length; i++) {
    const step = offset + i + 1
    const [lossSum, badInputs, badTargets] = [records[i * STEP_FIELDS]!, records[i * STEP_FIELDS + 1]!, records[i * STEP_FIELDS + 2]!]
    if (badInputs > 0) return trainError.badBatch(plan.epoch, step, plan.stepsBefore + step, 'inputs', badInputs)
    if (badTargets > 0) return trainError.badBatch(plan.epoch, step, plan.stepsBefore + step, 'targets', badTargets)
    const loss = lossSum / sizes[offset + i]!
    if (!Number.isFinite(loss)) return trainError.diverged(plan.epoch, step, plan.stepsBefore + step, loss)
    if (Number.isFinite(ref) && loss > DIVERGENCE_FACTOR * ref && loss > ref + 1) return trainError.diverged(plan.epoch, step, plan.stepsBefore + step, loss, ref)
  }
  return undefined
}

/** What a trained epoch measured, and the run's reference loss for the divergence rule. */
export interface EpochTotals {
  readonly totals: Accumulator<number>
  /** The run's first step's mean loss (the plan's, or this epoch's first step when the plan had none). */
  readonly reference: number | undefined
}

/**
 * Trains one epoch over `train` in the seeded order of `plan`; host totals (summed loss, correct, count) on
 * success; `BadBatch` (epoch, step, what) when a batch has NaN/infinite inputs or targets the loss cannot
 * use; `Diverged` (epoch and step) when a loss is NaN, infinite or past the divergence bound; `StepFailed`
 * when the program throws.
 *
 * @example
 * const { totals } = await trainEpoch(program, data.train, { epoch: 1, batchSize: 256, seed: 0, stepsBefore: 0, checkEvery: 0 }, sum, noProgress)()
 */
export const trainEpoch = (
  program: TrainProgram,
  train: Examples,
  plan: EpochPlan,
  sum: Monoid<tf.Scalar>,
  progress: Progress,
): TE.TaskEither<TrainError, EpochTotals> => async () => {
  let checked = 0
  let reference = plan.reference
  const onStep = async (steps: readonly tf.Tensor[], sizes: readonly number[]): Promise<TrainError | undefined> => {
    if (plan.checkEvery <= 0 || steps.length - checked < plan.checkEvery) return undefined
    const v = tf.concat(steps.slice(checked))
    const host = await v.data()
    v.dispose()
    const err = findProblem(plan, host, sizes, checked, reference)
    reference ??= host[0]! / sizes[checked]!
    checked = steps.length
    return err
  }
  try {
    const batchList = deviceBatches(train, { batchSize: plan.batchSize, shuffle: true, seed: plan.seed, epoch: plan.epoch - 1 })
    const r = await fold(batchList, sum, (x, y) => program.step(x, y), onStep, progress)
    if ('_tag' in r) return E.left(r)
    const err = findProblem(plan, r.steps, r.sizes, 0, reference)
    return err !== undefined ? E.left(err) : E.right({ totals: r.totals, reference: reference ?? (r.sizes.length > 0 ? r.steps[0]! / r.sizes[0]! : undefined) })
  } catch (e) {
    return E.left(trainError.stepFailed(plan.epoch, e))
  }
}

/**
 * Evaluates the program (no update) over `split` in stored order: host totals; `BadBatch` for invalid data.
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
    const batchList = deviceBatches(split, { batchSize, shuffle: false })
    const r = await fold(batchList, sum, (x, y) => program.evaluate(x, y), async () => undefined, noProgress)
    if ('_tag' in r) return E.left(r)
    // only bad data, not divergence: evaluation losses are not training's
    const bad = findProblem({ epoch, batchSize, seed: 0, stepsBefore: 0, checkEvery: 0 }, r.steps, r.sizes, 0, Infinity)
    return bad !== undefined && bad._tag === 'BadBatch' ? E.left(bad) : E.right(r.totals)
  } catch (e) {
    return E.left(trainError.stepFailed(epoch, e))
  }
}
