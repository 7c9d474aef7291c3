/** Adam (Kingma & Ba 2015) with bias correction, as Optax's `adam` and PyTorch's `Adam`. */
import type { Node } from '../node.js'
import { type Optimizer, add, checkHyper, checkSlots, div, exp, mul, scalar, sqrt, square, sub } from './types.js'
import { type LearningRate, lrAt, lrName } from './schedule.js'

/** Adam's hyperparameters beyond the learning rate. */
export interface AdamOptions {
  /** Decay of the first moment (default 0.9). */
  readonly b1?: number
  /** Decay of the second moment (default 0.999). */
  readonly b2?: number
  /** Added to sqrt(v-hat) in the denominator (default 1e-8). */
  readonly eps?: number
}

/**
 * Adam: m <- b1 m + (1-b1) g; v <- b2 v + (1-b2) g^2; p <- p - lr * m-hat / (sqrt(v-hat) + eps),
 * m-hat = m / (1 - b1^t), v-hat = v / (1 - b2^t), t = the 1-based step. Slots 'm', 'v'.
 * The IR has no pow, so b^t is built as exp(t * ln b).
 *
 * @example
 * const opt = adam(1e-3)
 * const { param, state: [m1, v1] } = opt.update(w, dw, [m, v], step)
 */
export const adam = (lr: LearningRate, opts: AdamOptions = {}): Optimizer => {
  const { b1 = 0.9, b2 = 0.999, eps = 1e-8 } = opts
  if (typeof lr === 'number') checkHyper('adam', 'lr', lr, (v) => v > 0, 'positive')
  checkHyper('adam', 'b1', b1, (v) => v >= 0 && v < 1, 'in [0, 1)')
  checkHyper('adam', 'b2', b2, (v) => v >= 0 && v < 1, 'in [0, 1)')
  checkHyper('adam', 'eps', eps, (v) => v >= 0, 'non-negative')
  // 1 - b^t; b = 0 gives 1 for every t >= 1 (ln 0 would be -Infinity, and 0 * -Infinity is NaN at t = 0).
  const correction = (b: number, t: Node) =>
    b === 0 ? scalar(1) : sub(scalar(1), exp(mul(t, scalar(Math.log(b)))))
  const self: Optimizer = {
    name: `adam(lr=${lrName(lr)}, b1=${b1}, b2=${b2}, eps=${eps})`,
    slots: ['m', 'v'],
    update: (p, g, state, step) => {
      checkSlots(self, state)
      const m = add(mul(scalar(b1), state[0]!), mul(scalar(1 - b1), g))
      const v = add(mul(scalar(b2), state[1]!), mul(scalar(1 - b2), square(g)))
      const mHat = div(m, correction(b1, step))
      const vHat = div(v, correction(b2, step))
      const delta = div(mul(lrAt(lr, step), mHat), add(sqrt(vHat), scalar(eps)))
      return { param: sub(p, delta), state: [m, v] }
    },
  }
  return self
}
