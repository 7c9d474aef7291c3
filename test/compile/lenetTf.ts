/**
 * The seed's LeNet (examples/lenet.ts) written directly in tfjs ops, NCHW semantics as PyTorch: the
 * independent reference for the interpreter and for tape gradients. Params are keyed like the IR's
 * leaves ('0.weight', '0.bias', '3.weight', ...).
 */
import * as tf from '@tensorflow/tfjs-core'
import { lenet } from '../../examples/lenet.js'
import { key } from '../../src/dsl/random.js'
import type { Tensor as HostTensor } from '../../src/dsl/tensor.js'
import { fromHost } from './support.js'

/** LeNet's initial params as tensors, by leaf name. */
export const lenetParams = (seed: number): Record<string, tf.Tensor> => {
  const tree = lenet.init(key(seed)) as unknown as readonly Record<string, HostTensor>[]
  return Object.fromEntries(tree.flatMap((layer, i) => Object.entries(layer).map(([name, t]) => [`${i}.${name}`, fromHost(t)])))
}

const conv = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, pad: number): tf.Tensor => {
  const y = tf.conv2d(tf.transpose(x, [0, 2, 3, 1]) as tf.Tensor4D, tf.transpose(w, [2, 3, 1, 0]) as tf.Tensor4D, 1, pad)
  return tf.transpose(tf.add(y, b), [0, 3, 1, 2])
}
const pool = (x: tf.Tensor): tf.Tensor =>
  tf.transpose(tf.avgPool(tf.transpose(x, [0, 2, 3, 1]) as tf.Tensor4D, 2, 2, 'valid'), [0, 3, 1, 2])
const dense = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Tensor => tf.add(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D, false, true), b)

/** LeNet's logits [N, 10] for x [N, 1, 28, 28]. */
export const lenetTf = (x: tf.Tensor, p: Record<string, tf.Tensor>): tf.Tensor => {
  let h = pool(tf.sigmoid(conv(x, p['0.weight']!, p['0.bias']!, 2)))
  h = pool(tf.sigmoid(conv(h, p['3.weight']!, p['3.bias']!, 0)))
  h = tf.reshape(h, [x.shape[0]!, 400]) // flatten in NCHW order, as PyTorch
  h = tf.sigmoid(dense(h, p['7.weight']!, p['7.bias']!))
  h = tf.sigmoid(dense(h, p['9.weight']!, p['9.bias']!))
  return dense(h, p['11.weight']!, p['11.bias']!)
}

/** Mean softmax cross-entropy of logits [N, C] against int labels [N]. */
export const crossEntropyTf = (logits: tf.Tensor, labels: tf.Tensor): tf.Tensor =>
  tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(labels as tf.Tensor1D, logits.shape[1]!), tf.logSoftmax(logits)), 1)))
