/**
 * The lowered function frees every intermediate: over 1,000 calls the number of live tensors stays flat
 * (the outputs are disposed by the caller; constants are made once and kept until `dispose`).
 */
import * as tf from '@tensorflow/tfjs-core'
import { describe, expect, it } from 'vitest'
import { grad } from '../../../src/compile/autodiff.js'
import { lower } from '../../../src/compile/lower.js'
import { optimize } from '../../../src/compile/pipeline.js'
import { mk } from '../../../src/dsl/node.js'
import { BACKENDS, useBackend } from '../../support/backends.js'
import { hostFeeds, toTensors } from '../../support/feeds.js'

const x = mk('input', [], { name: 'x', dtype: 'float32' }, ['N', 2, 4, 4], 'float32')
const w = mk('param', [], { name: 'w', init: 'zeros', fanIn: 1, fanOut: 1 }, [3, 2, 3, 3], 'float32')
const b = mk('param', [], { name: 'b', init: 'zeros', fanIn: 1, fanOut: 1 }, [3], 'float32')
const conv = mk('conv2d', [x, w], { strides: [1, 1], pad: [1, 1, 1, 1], dilations: [1, 1], layout: 'NCHW' })
const act = mk('sigmoid', [mk('add', [conv, mk('reshape', [b], { shape: [1, 3, 1, 1] })], {})], {})
const pooled = mk('avgPool2d', [act], { kernel: [2, 2], strides: [2, 2], pad: [0, 0, 0, 0], layout: 'NCHW' })
const loss = mk('mean', [mk('square', [pooled], {})], { axes: [0, 1, 2, 3], keepDims: false })
const roots = optimize([loss, ...grad(loss, [w, b])])

describe.each(BACKENDS)('no leaks on %s', (backend) => {
  it('numTensors is flat over 1,000 calls (with a changing batch size)', async () => {
    await useBackend(backend)
    const f = lower(roots, { backend })
    const feeds = [toTensors(hostFeeds(roots, 2)), toTensors(hostFeeds(roots, 1))]
    // warm up both batch sizes: constants are made once per binding
    for (const fd of feeds) tf.dispose(f(fd))
    const before = tf.memory().numTensors
    for (let i = 0; i < 1000; i++) tf.dispose(f(feeds[i % 2]!))
    expect(tf.memory().numTensors).toBe(before)
    f.dispose()
    for (const fd of feeds) tf.dispose([...Object.values(fd.inputs), ...Object.values(fd.params)])
  })
})
