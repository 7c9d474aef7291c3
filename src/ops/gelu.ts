/**
 * gelu (S -> S), PyTorch's default exact form x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2)), and its gradient
 * primitive geluGrad(x, dy) = dy * (Phi(x) + x phi(x)) with phi the standard normal density.
 *
 * Exact rather than the tanh approximation: every tfjs backend we run (cpu, wasm, webgpu, tfjs-node) has
 * an Erf kernel, and so does ONNX (opset 9 on; its Gelu op needs opset 20, so the export spells it out),
 * so results match PyTorch's nn.GELU() without an approximation mode. Unlike the other activations the
 * gradient reads the input x, not the output: x cannot be recovered from gelu(x). Not folded: JavaScript
 * has no erf, and a host approximation would not round like the kernels.
 */
import * as tf from '@tensorflow/tfjs-core'
import * as E from 'fp-ts/lib/Either.js'
import { mk } from '../ir/node.js'
import type { None } from '../ir/ops.js'
import { activationGradOp, unaryOp } from './shared/elementwise.js'
import type { OpFamily } from './shared/impl.js'
import { noFold, noSimplify } from './shared/rewrites.js'

declare module '../ir/ops.js' {
  interface OpAttrs {
    /** x * Phi(x), Phi the standard normal CDF (PyTorch's nn.GELU(), approximate='none'). */
    gelu: None
    /** dy * (Phi(x) + x * phi(x)): inputs (x, dy). */
    geluGrad: None
  }
}

/** Phi(x) = 0.5 (1 + erf(x / sqrt 2)), with tfjs ops. */
const phi = (x: tf.Tensor): tf.Tensor => tf.mul(0.5, tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))))

/**
 * gelu(x) with tfjs ops: the reference and every backend's lowering.
 * @example geluOf(tf.tensor1d([-1, 0, 1])) // [-0.1587, 0, 0.8413]
 */
export const geluOf = (x: tf.Tensor): tf.Tensor => tf.mul(x, phi(x))

/** d gelu(x) / dx times dy: dy * (Phi(x) + x * exp(-x^2 / 2) / sqrt(2 pi)). */
const geluGradOf = (x: tf.Tensor, dy: tf.Tensor): tf.Tensor =>
  tf.mul(dy, tf.add(phi(x), tf.mul(x, tf.mul(1 / Math.sqrt(2 * Math.PI), tf.exp(tf.mul(-0.5, tf.square(x)))))))

/**
 * gelu and geluGrad.
 * @example mk('gelu', [x], {}) // x * Phi(x), elementwise
 */
export const geluOps = {
  gelu: unaryOp('gelu', {
    run: geluOf,
    grad: (y, dy) => [mk('geluGrad', [y.inputs[0]!, dy], {})],
    fold: noFold,
    simplify: noSimplify,
    // x * 0.5 * (1 + Erf(x / sqrt 2))
    onnx: ([x], _a, cx) => {
      const b = cx.b
      const cdf = b.op('Mul', [b.scalar(0.5), b.op('Add', [b.scalar(1), b.op('Erf', [b.op('Mul', [x!, b.scalar(Math.SQRT1_2)])])])])
      return E.right(b.op('Mul', [x!, cdf]))
    },
  }),
  geluGrad: activationGradOp('geluGrad', geluGradOf),
} satisfies OpFamily<'gelu' | 'geluGrad'>
