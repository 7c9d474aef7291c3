/**
 * Gradient rules of softmax, logSoftmax, cross-entropy, dropout and batch norm (training and inference form).
 * Cross-entropy and batch norm emit their gradient primitives; dropout is linear in x, so its gradient is
 * dropout of dy with the same attrs (the mask is a function of seed and size, hence the same mask).
 */
import { type Node, mk } from '../../dsl/node.js'
import { normAxis } from '../../dsl/shape.js'
import { type GradRule, add, constant, div, mul, noGrad, reshape, sub, sum, zeroGrad } from './common.js'

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
    // the running statistics (inputs 3, 4) only feed the step's buffer update: no gradient
    return [need[0] ? part('x') : undefined, need[1] ? part('gamma') : undefined, need[2] ? part('beta') : undefined, undefined, undefined]
  },
  // y = (x - mean) * gamma / sqrt(var + eps) + beta with the statistics held constant (as frozen BatchNorm)
  batchNormInfer: (y, dy, need) => {
    const [x, gamma, , mean, variance] = y.inputs as [Node, Node, Node, Node, Node]
    const ax = normAxis(y.attrs.axis, x.shape.length)!
    const channel = (p: Node) => reshape(p, x.shape.map((d, i) => (i === ax ? d : 1)))
    const reduced = x.shape.map((_, i) => i).filter((i) => i !== ax)
    const invStd = div(constant(1), mk('sqrt', [add(channel(variance), constant(y.attrs.eps))], {}))
    return [
      need[0] ? mul(dy, mul(channel(gamma), invStd)) : undefined,
      need[1] ? sum(mul(dy, mul(sub(x, channel(mean)), invStd)), reduced, false) : undefined,
      need[2] ? sum(dy, reduced, false) : undefined,
      undefined,
      undefined,
    ]
  },
  channelStat: noGrad('channelStat (batch statistics for running averages) has no gradient'),
  // a count of argmax hits is piecewise constant in the logits
  correctCount: zeroGrad,
  // a count of bad values is piecewise constant too
  invalidCount: zeroGrad,
  softmaxCrossEntropyGrad: secondOrder,
  batchNormGrad: secondOrder,
} satisfies { [O in 'softmax' | 'logSoftmax' | 'softmaxCrossEntropy' | 'correctCount' | 'invalidCount' | 'dropout' | 'batchNorm' | 'batchNormInfer' | 'channelStat' | 'softmaxCrossEntropyGrad' | 'batchNormGrad']: GradRule<O> }
