/**
 * Learning-rate schedules (Optax style): a schedule builds the learning rate as an IR node of the step,
 * so the compiled training step computes it without host work.
 */
import type { Node } from '../node.js'
import { exp, mul, scalar, sub } from './types.js'

/** A learning rate as a function of the 1-based step count (a scalar float32 node). */
export interface Schedule {
  readonly name: string
  at(step: Node): Node
}

/** A constant rate, or a schedule. */
export type LearningRate = number | Schedule

/**
 * Exponential decay: lr * rate^((t - 1) / steps), so the rate is multiplied by `rate` every `steps` steps.
 *
 * @example
 * adam(exponentialDecay(3e-3, { rate: 0.1, steps: 2350 })) // 3e-3 at step 1, 3e-4 after 2350 steps
 */
export const exponentialDecay = (lr: number, o: { readonly rate: number; readonly steps: number }): Schedule => {
  if (!(lr > 0)) throw new RangeError(`exponentialDecay: lr must be positive, got ${lr}`)
  if (!(o.rate > 0 && o.rate <= 1)) throw new RangeError(`exponentialDecay: rate must be in (0, 1], got ${o.rate}`)
  if (!(Number.isInteger(o.steps) && o.steps >= 1)) throw new RangeError(`exponentialDecay: steps must be a positive integer, got ${o.steps}`)
  return {
    name: `${lr}*${o.rate}^((t-1)/${o.steps})`,
    at: (t) => (o.rate === 1 ? scalar(lr) : mul(scalar(lr), exp(mul(sub(t, scalar(1)), scalar(Math.log(o.rate) / o.steps))))),
  }
}

/** The learning rate at `step` as a node. */
export const lrAt = (lr: LearningRate, step: Node): Node => (typeof lr === 'number' ? scalar(lr) : lr.at(step))

/** The rate's name in optimizer names. */
export const lrName = (lr: LearningRate): string => (typeof lr === 'number' ? String(lr) : lr.name)
