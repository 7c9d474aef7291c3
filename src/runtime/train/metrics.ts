/**
 * d2l's `Accumulator(3)` as an fp-ts Monoid: summed loss, correct predictions and example count.
 * The same monoid runs on host numbers (tests, reports) and on device scalars (the training loop, which adds
 * each step's scalars on the device and reads the total once per epoch, so steps never wait for the host).
 */
import * as tf from '@tensorflow/tfjs-core'
import type { Monoid } from 'fp-ts/lib/Monoid.js'
import * as N from 'fp-ts/lib/number.js'
import { struct } from 'fp-ts/lib/Monoid.js'

/**
 * Sums over some examples: `lossSum`, `correct` and the user metrics' sums `extra` in the value type `A`;
 * `count` is known on the host.
 */
export interface Accumulator<A> {
  readonly lossSum: A
  readonly correct: A
  readonly extra: readonly A[]
  readonly count: number
}

/**
 * Elementwise sums of lists, a missing element counting as the sum's unit (so [] is the unit). Every element
 * goes through `sum.concat`, never handed over as is: device sums then always get fresh tensors, and the
 * caller can dispose its operands.
 */
const listMonoid = <A>(sum: Monoid<A>): Monoid<readonly A[]> => ({
  empty: [],
  concat: (a, b) => Array.from({ length: Math.max(a.length, b.length) }, (_, i) => sum.concat(a[i] ?? sum.empty, b[i] ?? sum.empty)),
})

/**
 * The accumulator monoid over any monoid of sums (componentwise).
 * @example
 * concatAll(accumulatorMonoid(N.MonoidSum))([{ lossSum: 2, correct: 1, extra: [1], count: 4 }, { lossSum: 1, correct: 3, extra: [2], count: 4 }])
 * // { lossSum: 3, correct: 4, extra: [3], count: 8 }
 */
export const accumulatorMonoid = <A>(sum: Monoid<A>): Monoid<Accumulator<A>> =>
  struct<Accumulator<A>>({ lossSum: sum, correct: sum, extra: listMonoid(sum), count: N.MonoidSum })

/** Host sums. */
export const hostAccumulator: Monoid<Accumulator<number>> = accumulatorMonoid(N.MonoidSum)

/**
 * Addition of float32 device scalars. `empty` is one zero scalar made now (call after selecting the backend);
 * `concat` makes a new tensor, so the caller disposes operands it no longer needs but never `empty`.
 */
export const deviceSum = (): Monoid<tf.Scalar> => {
  const zero = tf.keep(tf.scalar(0))
  return { empty: zero, concat: (a, b) => tf.add(a, b) }
}

/** Averages of an accumulator: d2l's `metric[0] / metric[2]` and `metric[1] / metric[2]`. */
export interface Averages {
  readonly loss: number
  readonly acc: number
  readonly extra: readonly number[]
}

/**
 * Mean loss and accuracy; NaN when nothing was counted.
 * @example averages({ lossSum: 6, correct: 3, extra: [2], count: 4 }) // { loss: 1.5, acc: 0.75, extra: [0.5] }
 */
export const averages = (a: Accumulator<number>): Averages => ({ loss: a.lossSum / a.count, acc: a.correct / a.count, extra: a.extra.map((s) => s / a.count) })
