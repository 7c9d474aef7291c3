/**
 * The same LeNet SGD step through tfjs's own tape (`tf.variableGrads`) on the active backend, reusing the
 * performance bench's tape step (bench/lenet). tfjs-wasm has no Conv2DBackpropFilter kernel; the one in
 * src/runtime/kernels is registered for the comparison.
 */
import * as tf from '@tensorflow/tfjs-core'
import { registerGradients } from '../src/runtime/backends/gradients.js'
import { registerConv2dBackpropFilter } from '../src/runtime/kernels/conv2d-backprop-filter.js'
import { initLeNet } from './lenet/params.js'
import { tapeStep } from './lenet/tape-step.js'

/** ms per tape step at `batch` (3 warm-up steps, then `steps` steps ending with one await). */
export const tapeLenetStep = async (batch: number, steps: number): Promise<number> => {
  await registerGradients()
  registerConv2dBackpropFilter(tf.getBackend())
  const p = initLeNet(1)
  const x = tf.randomUniform([batch, 28, 28, 1]) as tf.Tensor4D
  const y = tf.randomUniform([batch], 0, 10, 'int32') as tf.Tensor1D
  for (let i = 0; i < 3; i++) await tapeStep(p, x, y, 0.9).data()
  const t0 = performance.now()
  let last: tf.Scalar | undefined
  for (let i = 0; i < steps; i++) {
    last?.dispose()
    last = tapeStep(p, x, y, 0.9)
  }
  await last!.data()
  const ms = (performance.now() - t0) / steps
  tf.dispose([last!, x, y, ...Object.values(p)])
  return ms
}
