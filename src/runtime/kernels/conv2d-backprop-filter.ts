/**
 * Registers a `Conv2DBackpropFilter` kernel for a backend that lacks one (tfjs-backend-wasm
 * 4.22), implemented by {@link conv2dFilterGrad} as a single forward conv2d. This lets tfjs'
 * own tape (`tf.grads`, `tf.variableGrads`) differentiate conv2d on wasm.
 */
import * as tf from '@tensorflow/tfjs-core'
import { conv2dFilterGrad } from '../../ops/kernels/conv2d-filter-grad.js'
import type { ConvPad } from '../../ops/kernels/conv-geometry.js'

interface BackpropFilterAttrs {
  readonly strides: [number, number] | number
  readonly pad: ConvPad
  readonly dataFormat: 'NHWC' | 'NCHW'
  readonly dimRoundingMode?: 'floor' | 'round' | 'ceil'
  readonly filterShape: [number, number, number, number]
}

/**
 * Idempotent; returns true when this call registered the kernel.
 * @example registerConv2dBackpropFilter('wasm'); tf.grads((x, w) => tf.conv2d(x, w, 1, 'same').sum())
 */
export function registerConv2dBackpropFilter(backendName: string): boolean {
  if (tf.getKernel('Conv2DBackpropFilter', backendName) !== undefined) return false
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName,
    kernelFunc: ({ inputs, attrs }) => {
      const a = attrs as unknown as BackpropFilterAttrs
      if (a.dataFormat === 'NCHW') throw new Error('Conv2DBackpropFilter: only NHWC is supported')
      const engine = tf.engine()
      const x = engine.makeTensorFromTensorInfo(inputs.x as tf.TensorInfo) as tf.Tensor4D
      const dy = engine.makeTensorFromTensorInfo(inputs.dy as tf.TensorInfo) as tf.Tensor4D
      const out = conv2dFilterGrad(x, dy, a.filterShape, a.strides, a.pad, 1)
      // Hand the data over to the kernel's output: one extra backend reference survives the
      // disposal of our intermediate tensor and becomes the output's own.
      tf.engine().findBackend(backendName).incRef(out.dataId)
      const info = { dataId: out.dataId, shape: out.shape, dtype: out.dtype }
      tf.dispose([x, dy, out])
      return info
    },
  })
  return true
}
