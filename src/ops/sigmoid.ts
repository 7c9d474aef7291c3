/**
 * sigmoid (S -> S) and its gradient primitive sigmoidGrad(y, dy) = dy * y * (1 - y), which reads the
 * saved output instead of recomputing it. On wasm, sigmoidGrad also takes part in the multi-node heap
 * patterns of src/compile/lower/fused-grads.ts (with pooling gradients and bias sums).
 */
import * as tf from '@tensorflow/tfjs-core'
import { mk } from '../ir/node.js'
import type { None } from '../ir/ops.js'
import { activationGradOp, unaryOp } from './shared/elementwise.js'
import type { OpFamily } from './shared/impl.js'
import { onnxOp } from './shared/onnx.js'
import { foldUnary, noSimplify } from './shared/rewrites.js'

declare module '../ir/ops.js' {
  interface OpAttrs {
    sigmoid: None
    /** dy * y * (1 - y) from the saved output y: inputs (y, dy). */
    sigmoidGrad: None
  }
}

/**
 * sigmoid and sigmoidGrad.
 * @example mk('sigmoid', [x], {}) // 1 / (1 + e^-x)
 */
export const sigmoidOps = {
  sigmoid: {
    ...unaryOp('sigmoid', {
      run: (x) => tf.sigmoid(x),
      grad: (y, dy) => [mk('sigmoidGrad', [y, dy], {})],
      fold: foldUnary((v) => 1 / (1 + Math.exp(-v))),
      simplify: noSimplify,
      onnx: onnxOp('Sigmoid'),
    }),
    fusion: { role: 'activation', activation: 'sigmoid' },
  },
  sigmoidGrad: activationGradOp('sigmoidGrad', (y, dy) => tf.mul(dy, tf.mul(y, tf.sub(1, y)))),
} satisfies OpFamily<'sigmoid' | 'sigmoidGrad'>
