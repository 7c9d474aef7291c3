/**
 * Elementwise math on one tensor: neg, exp, log, sqrt, square (S -> S). The activations with their
 * gradient primitives have modules of their own (sigmoid.ts, relu.ts, tanh.ts, gelu.ts).
 */
import * as tf from '@tensorflow/tfjs-core'
import * as E from 'fp-ts/lib/Either.js'
import type { None } from '../ir/ops.js'
import { unaryOp } from './shared/elementwise.js'
import { constant, div, mul, neg } from './shared/grad.js'
import type { OpFamily } from './shared/impl.js'
import { onnxOp } from './shared/onnx.js'
import { foldUnary, noSimplify } from './shared/rewrites.js'

declare module '../ir/ops.js' {
  interface OpAttrs {
    neg: None
    exp: None
    log: None
    sqrt: None
    square: None
  }
}

/**
 * neg, exp, log, sqrt and square.
 * @example mk('exp', [x], {}) // e^x, elementwise
 */
export const arithOps = {
  neg: unaryOp('neg', {
    run: (x) => tf.neg(x),
    program: 'neg',
    grad: (_y, dy) => [neg(dy)],
    fold: foldUnary((v) => -v),
    simplify: (n) => (n.inputs[0]!.op === 'neg' ? n.inputs[0]!.inputs[0] : undefined),
    onnx: onnxOp('Neg'),
  }),
  exp: unaryOp('exp', { run: (x) => tf.exp(x), grad: (y, dy) => [mul(dy, y)], fold: foldUnary(Math.exp), simplify: noSimplify, onnx: onnxOp('Exp') }),
  log: unaryOp('log', { run: (x) => tf.log(x), grad: (y, dy) => [div(dy, y.inputs[0]!)], fold: foldUnary(Math.log), simplify: noSimplify, onnx: onnxOp('Log') }),
  sqrt: unaryOp('sqrt', {
    run: (x) => tf.sqrt(x),
    program: 'sqrt',
    grad: (y, dy) => [div(dy, mul(constant(2), y))],
    fold: foldUnary(Math.sqrt),
    simplify: noSimplify,
    onnx: onnxOp('Sqrt'),
  }),
  square: unaryOp('square', {
    run: (x) => tf.square(x),
    program: 'square',
    grad: (y, dy) => [mul(dy, mul(constant(2), y.inputs[0]!))],
    fold: foldUnary((v) => v * v),
    simplify: noSimplify,
    onnx: (ins, _a, cx) => E.right(cx.b.op('Mul', [ins[0]!, ins[0]!])),
  }),
} satisfies OpFamily<'neg' | 'exp' | 'log' | 'sqrt' | 'square'>
