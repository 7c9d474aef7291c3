/** SGD with (heavy-ball) momentum, as PyTorch's SGD(momentum=beta) and Optax's `trace`. */
import { type Optimizer, add, checkHyper, checkSlots, mul, scalar, sub } from './types.js'
import { type LearningRate, lrAt, lrName } from './schedule.js'

/**
 * Momentum: v <- beta * v + g; p <- p - lr * v. One slot, 'velocity' (zeros at start, so the first step equals SGD's).
 *
 * @example
 * const opt = momentum(0.1, 0.9)
 * const { param, state: [v1] } = opt.update(w, dw, [v], step) // v1 = 0.9 v + dw, param = w - 0.1 v1
 */
export const momentum = (lr: LearningRate, beta = 0.9): Optimizer => {
  if (typeof lr === 'number') checkHyper('momentum', 'lr', lr, (v) => v > 0, 'positive')
  checkHyper('momentum', 'beta', beta, (v) => v >= 0 && v < 1, 'in [0, 1)')
  const self: Optimizer = {
    name: `momentum(lr=${lrName(lr)}, beta=${beta})`,
    slots: ['velocity'],
    update: (p, g, state, step) => {
      checkSlots(self, state)
      const v = add(mul(scalar(beta), state[0]!), g)
      return { param: sub(p, mul(lrAt(lr, step), v)), state: [v] }
    },
  }
  return self
}
