/**
 * Gradient rules of the elementwise ops. Binary ops broadcast, so each operand's gradient is summed
 * back to its own shape (`unbroadcast`). Activations use their saved output: sigmoid' = y (1 - y).
 */
import { mk } from '../../dsl/node.js'
import { type GradRule, constant, div, mul, neg, noGrad, unbroadcast, zeroGrad } from './common.js'

const secondOrder = noGrad('second derivatives of activations are not supported')

/** The gradient rules of the elementwise ops and the activation gradient primitives. */
export const elementwiseGrads = {
  neg: (_y, dy) => [neg(dy)],
  exp: (y, dy) => [mul(dy, y)],
  log: (y, dy) => [div(dy, y.inputs[0]!)],
  sqrt: (y, dy) => [div(dy, mul(constant(2), y))],
  square: (y, dy) => [mul(dy, mul(constant(2), y.inputs[0]!))],
  sigmoid: (y, dy) => [mk('sigmoidGrad', [y, dy], {})],
  relu: (y, dy) => [mk('reluGrad', [y, dy], {})],
  tanh: (y, dy) => [mk('tanhGrad', [y, dy], {})],
  add: (y, dy, need) => {
    const [a, b] = y.inputs
    return [need[0] ? unbroadcast(dy, a!.shape) : undefined, need[1] ? unbroadcast(dy, b!.shape) : undefined]
  },
  sub: (y, dy, need) => {
    const [a, b] = y.inputs
    return [need[0] ? unbroadcast(dy, a!.shape) : undefined, need[1] ? unbroadcast(neg(dy), b!.shape) : undefined]
  },
  mul: (y, dy, need) => {
    const [a, b] = y.inputs
    return [need[0] ? unbroadcast(mul(dy, b!), a!.shape) : undefined, need[1] ? unbroadcast(mul(dy, a!), b!.shape) : undefined]
  },
  // y = a / b: da = dy / b, db = -dy * y / b
  div: (y, dy, need) => {
    const [a, b] = y.inputs
    return [need[0] ? unbroadcast(div(dy, b!), a!.shape) : undefined, need[1] ? unbroadcast(neg(div(mul(dy, y), b!)), b!.shape) : undefined]
  },
  greater: zeroGrad,
  sigmoidGrad: secondOrder,
  reluGrad: secondOrder,
  tanhGrad: secondOrder,
} satisfies {
  [O in 'neg' | 'exp' | 'log' | 'sqrt' | 'square' | 'sigmoid' | 'relu' | 'tanh' | 'add' | 'sub' | 'mul' | 'div' | 'greater' | 'sigmoidGrad' | 'reluGrad' | 'tanhGrad']: GradRule<O>
}
