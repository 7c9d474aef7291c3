/** Plain stochastic gradient descent, the seed's `torch.optim.SGD(lr)`. */
import { type Optimizer, checkHyper, checkSlots, mul, scalar, sub } from './types.js'
import { type LearningRate, lrAt, lrName } from './schedule.js'

/**
 * SGD: p <- p - lr * g. No state.
 *
 * @example
 * const opt = sgd(0.9)
 * opt.update(w, dw, [], step).param // w - 0.9 * dw, shape of w
 */
export const sgd = (lr: LearningRate): Optimizer => {
  if (typeof lr === 'number') checkHyper('sgd', 'lr', lr, (v) => v > 0, 'positive')
  const self: Optimizer = {
    name: `sgd(lr=${lrName(lr)})`,
    slots: [],
    update: (p, g, state, step) => {
      checkSlots(self, state)
      return { param: sub(p, mul(lrAt(lr, step), g)), state: [] }
    },
  }
  return self
}
