/**
 * The native-kernel paths of the lowering (tfjs's Conv2DBackpropFilter/Input and MaxPoolGrad, used on
 * tensorflow and webgpu) exercised on the cpu backend by lowering for 'tensorflow' while cpu runs the
 * kernels: the attrs we hand tfjs must give the interpreter's values.
 */
import * as tf from '@tensorflow/tfjs-core'
import { describe, it } from 'vitest'
import { grad } from '../../../src/compile/autodiff.js'
import { lower } from '../../../src/compile/lower.js'
import { optimize } from '../../../src/compile/pipeline.js'
import { mk } from '../../../src/dsl/node.js'
import { useBackend } from '../../support/backends.js'
import { expectOutputsClose } from '../../support/close.js'
import { hostFeeds, toTensors } from '../../support/feeds.js'
import { reference } from './support.js'

const x = mk('input', [], { name: 'x', dtype: 'float32' }, ['N', 2, 7, 6], 'float32')
const w = mk('param', [], { name: 'w', init: 'zeros', fanIn: 1, fanOut: 1 }, [3, 2, 3, 2], 'float32')
const conv = mk('conv2d', [x, w], { strides: [2, 1], pad: [1, 0, 1, 1], dilations: [1, 1], layout: 'NCHW' })
const pooled = mk('maxPool2d', [conv], { kernel: [2, 2], strides: [1, 2], pad: [0, 0, 0, 0], layout: 'NCHW' })
const loss = mk('sum', [mk('mul', [pooled, mk('input', [], { name: 'g', dtype: 'float32' }, pooled.shape, 'float32')], {})], { axes: [0, 1, 2, 3], keepDims: false })
const roots = [loss, ...grad(loss, [x, w])]

describe("lowering for backends with native backprop kernels ('tensorflow' semantics, run on cpu)", () => {
  it('strided, asymmetrically padded conv and max pooling gradients equal the interpreter', async () => {
    const h = hostFeeds(roots, 2, 5)
    const want = await reference(roots, h)
    await useBackend('cpu')
    for (const graph of [roots, optimize(roots)]) {
      const f = lower(graph, { backend: 'tensorflow' })
      const feeds = toTensors(h)
      const outs = f(feeds)
      expectOutputsClose(outs.map((o) => ({ shape: o.shape, data: Float32Array.from(o.dataSync()) })), want)
      tf.dispose([...outs, ...Object.values(feeds.inputs), ...Object.values(feeds.params)])
      f.dispose()
    }
  })
})
