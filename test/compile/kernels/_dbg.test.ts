import * as tf from '@tensorflow/tfjs-core'
import { it } from 'vitest'
import { conv2dFilterGrad } from '../../../src/compile/kernels/conv2d-filter-grad.js'
import { conv2dInputGrad } from '../../../src/compile/kernels/conv2d-input-grad.js'
import { convGeometry } from '../../../src/compile/kernels/conv-geometry.js'
import { referenceConvGrads, seeded, useBackend, type ConvCase } from './support.js'
it('dbg', async () => {
  const c: ConvCase = {"n":1,"h":1,"w":3,"ci":1,"co":2,"kH":3,"kW":1,"stride":[3,1],"dilation":[1,1],"pad":1,"seed":1}
  const g = convGeometry([1, 1, 3, 1], [3, 1], c.stride, c.pad, c.dilation)
  console.log(JSON.stringify(g))
  const n = g.outH * g.outW * 2
  const x = seeded(1, 3), w = seeded(2, 6), dy = seeded(3, n)
  console.log(referenceConvGrads(c, x, w, dy))
  for (const b of ['cpu', 'wasm'] as const) {
    await useBackend(b)
    const dW = conv2dFilterGrad(tf.tensor4d(x, [1, 1, 3, 1]), tf.tensor4d(dy, [1, g.outH, g.outW, 2]), [3, 1, 1, 2], c.stride, c.pad, c.dilation)
    const dX = conv2dInputGrad(tf.tensor4d(dy, [1, g.outH, g.outW, 2]), tf.tensor4d(w, [3, 1, 1, 2]), [1, 1, 3, 1], c.stride, c.pad, c.dilation)
    console.log(b, await dX.data(), await dW.data())
  }
})
