/**
 * relu (S -> S) and its gradient primitive reluGrad(y, dy) = dy where y > 0, from the saved output.
 * On wasm, float32 relu and reluGrad run as SIMD passes over the wasm heap (src/ops/kernels/relu-grad-heap.ts).
 */
import * as tf from '@tensorflow/tfjs-core'
import { onWasm } from './kernels/wasm-heap.js'
import { mk } from '../ir/node.js'
import type { None } from '../ir/ops.js'
import { reluGradHeap, reluHeap } from './kernels/relu-grad-heap.js'
import { activationGradOp, unaryOp } from './shared/elementwise.js'
import type { OpFamily } from './shared/impl.js'
import { onnxOp } from './shared/onnx.js'
import { foldUnary, noSimplify } from './shared/rewrites.js'

declare module '../ir/ops.js' {
  interface OpAttrs {
    relu: None
    /** dy where y > 0: inputs (y, dy). */
    reluGrad: None
  }
}

const reluGradTf = (y: tf.Tensor, dy: tf.Tensor): tf.Tensor => tf.mul(dy, tf.step(y))

/**
 * relu and reluGrad.
 * @example mk('relu', [x], {}) // max(x, 0)
 */
export const reluOps = {
  relu: {
    ...unaryOp('relu', {
      run: (x) => tf.relu(x),
      grad: (y, dy) => [mk('reluGrad', [y, dy], {})],
      fold: foldUnary((v) => Math.max(v, 0)),
      simplify: noSimplify,
      onnx: onnxOp('Relu'),
    }),
    lower: { default: ([x]) => tf.relu(x!), wasm: ([x]) => (onWasm() && x!.dtype === 'float32' ? reluHeap(x!) : tf.relu(x!)) },
    fusion: { role: 'activation', activation: 'relu' },
  },
  reluGrad: {
    ...activationGradOp('reluGrad', (y, dy) => tf.mul(dy, tf.cast(tf.greater(y, 0), 'float32'))),
    lower: {
      default: ([y, dy]) => reluGradTf(y!, dy!),
      wasm: ([y, dy]) => (onWasm() && y!.dtype === 'float32' && dy!.dtype === 'float32' && y!.size === dy!.size ? reluGradHeap(y!, dy!) : reluGradTf(y!, dy!)),
    },
  },
} satisfies OpFamily<'relu' | 'reluGrad'>
