/** Plain stochastic gradient descent, the seed's `torch.optim.SGD(lr)`. */
import { type Optimizer, checkHyper, checkSlots, mul, scalar, sub } from './types.js'

/**
 * SGD: p <- p - lr * g. No state.
 *
 * @example
 * const opt = sgd(0.9)
 * opt.update(w, dw, [], step).param // w - 0.9 * dw, shape of w
 */
export const sgd = (lr: number): Optimizer => {
  checkHyper('sgd', 'lr', lr, (v) => v > 0, 'positive')
  const self: Optimizer = {
    name: `sgd(lr=${lr})`,
    slots: [],
    update: (p, g, state) => {
      checkSlots(self, state)
      return { param: sub(p, mul(scalar(lr), g)), state: [] }
    },
  }
  return self
}
