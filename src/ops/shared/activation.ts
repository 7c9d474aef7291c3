/**
 * The activations fused conv/matMul kernels run after their bias add, in each stage's terms: as tfjs
 * ops, as the IR gradient primitive that reads the saved output, and as ONNX ops. The activation ops'
 * own modules (relu.ts, sigmoid.ts, tanh.ts) define those primitives.
 */
import * as tf from '@tensorflow/tfjs-core'
import { type Node, mk } from '../../ir/node.js'
import type { Activation } from './attrs.js'
import type { OnnxEmitter } from './onnx.js'

/** The activation as plain tfjs ops. @example activate(tf.add(y, bias), 'relu') */
export const activate = (x: tf.Tensor, a: Activation): tf.Tensor =>
  a === 'relu' ? tf.relu(x) : a === 'sigmoid' ? tf.sigmoid(x) : a === 'tanh' ? tf.tanh(x) : x

/** The gradient of `activation(z)` w.r.t. `z`, from the saved output `y`. @example activationGrad('relu', y, dy) // reluGrad(y, dy) */
export const activationGrad = (activation: Activation, y: Node, dy: Node): Node =>
  activation === 'linear'
    ? dy
    : mk(activation === 'relu' ? 'reluGrad' : activation === 'sigmoid' ? 'sigmoidGrad' : 'tanhGrad', [y, dy], {})

/** The activation after `x` as ONNX ops. @example onnxActivate(b, y, 'relu') */
export const onnxActivate = (b: OnnxEmitter, x: string, a: Activation): string =>
  a === 'relu' ? b.op('Relu', [x]) : a === 'sigmoid' ? b.op('Sigmoid', [x]) : a === 'tanh' ? b.op('Tanh', [x]) : x
