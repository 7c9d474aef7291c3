/** tanh (S -> S) and its gradient primitive tanhGrad(y, dy) = dy * (1 - y^2), from the saved output. */
import * as tf from '@tensorflow/tfjs-core'
import { mk } from '../ir/node.js'
import type { None } from '../ir/ops.js'
import { activationGradOp, unaryOp } from './shared/elementwise.js'
import type { OpFamily } from './shared/impl.js'
import { onnxOp } from './shared/onnx.js'
import { foldUnary, noSimplify } from './shared/rewrites.js'

declare module '../ir/ops.js' {
  interface OpAttrs {
    tanh: None
    /** dy * (1 - y^2): inputs (y, dy). */
    tanhGrad: None
  }
}

/**
 * tanh and tanhGrad.
 * @example mk('tanh', [x], {})
 */
export const tanhOps = {
  tanh: {
    ...unaryOp('tanh', {
      run: (x) => tf.tanh(x),
      grad: (y, dy) => [mk('tanhGrad', [y, dy], {})],
      fold: foldUnary(Math.tanh),
      simplify: noSimplify,
      onnx: onnxOp('Tanh'),
    }),
    // no tfjs backend runs tanh fused, but the fusion pass may be told one does
    fusion: { role: 'activation', activation: 'tanh' },
  },
  tanhGrad: activationGradOp('tanhGrad', (y, dy) => tf.mul(dy, tf.sub(1, tf.square(y)))),
} satisfies OpFamily<'tanh' | 'tanhGrad'>
