/**
 * Gradient rules of softmax, logSoftmax, cross-entropy, dropout and batch norm.
 * Cross-entropy and batch norm emit their gradient primitives; dropout is linear in x, so its gradient is
 * dropout of dy with the same attrs (the mask is a function of seed and size, hence the same mask).
 */
import { mk } from '../../dsl/node.js'
import { type GradRule, mul, noGrad, sub, sum, zeroGrad } from './common.js'

const secondOrder = noGrad('second derivatives of cross-entropy and batch norm are not supported')

/** The gradient rules of the nn ops and their gradient primitives. */
export const nnGrads = {
  // dx = y * (dy - sum(dy * y, axis))
  softmax: (y, dy) => [mul(y, sub(dy, sum(mul(dy, y), [y.attrs.axis], true)))],
  // dx = dy - softmax(x) * sum(dy, axis), with softmax(x) = exp(y)
  logSoftmax: (y, dy) => [sub(dy, mul(mk('exp', [y], {}), sum(dy, [y.attrs.axis], true)))],
  softmaxCrossEntropy: (y, dy) => [mk('softmaxCrossEntropyGrad', [y.inputs[0]!, y.inputs[1]!, dy], {}), undefined],
  dropout: (y, dy) => [mk('dropout', [dy], y.attrs)],
  batchNorm: (y, dy, need) => {
    const [x, gamma] = y.inputs
    const part = (which: 'x' | 'gamma' | 'beta') => mk('batchNormGrad', [x!, gamma!, dy], { ...y.attrs, which })
    return [need[0] ? part('x') : undefined, need[1] ? part('gamma') : undefined, need[2] ? part('beta') : undefined]
  },
  // a count of argmax hits is piecewise constant in the logits
  correctCount: zeroGrad,
  softmaxCrossEntropyGrad: secondOrder,
  batchNormGrad: secondOrder,
} satisfies { [O in 'softmax' | 'logSoftmax' | 'softmaxCrossEntropy' | 'correctCount' | 'dropout' | 'batchNorm' | 'softmaxCrossEntropyGrad' | 'batchNormGrad']: GradRule<O> }
