/**
 * Elementwise ops on two tensors with numpy broadcasting: add, sub, mul, div and greater (a float 0/1).
 * A broadcast operand's gradient is summed back to its own shape (`unbroadcast`).
 */
import * as tf from '@tensorflow/tfjs-core'
import * as E from 'fp-ts/lib/Either.js'
import { type Node, mk } from '../ir/node.js'
import type { None } from '../ir/ops.js'
import { binaryOp } from './shared/elementwise.js'
import { div, mul, neg, unbroadcast, zeroGrad } from './shared/grad.js'
import type { OpFamily } from './shared/impl.js'
import { ONNX_FLOAT, attr, onnxOp } from './shared/onnx.js'
import { foldBinary, isFillOf, keepAs, noSimplify } from './shared/rewrites.js'

declare module '../ir/ops.js' {
  interface OpAttrs {
    add: None
    sub: None
    mul: None
    div: None
    /** 1 where a > b else 0 (no gradient). */
    greater: None
  }
}

/** x op unit -> x and unit op x -> x, when x already has the result's shape (no broadcast is lost). */
const dropUnit =
  (unit: number, commutes: boolean) =>
  (n: Node): Node | undefined =>
    isFillOf(n.inputs[1]!, unit) ? keepAs(n, n.inputs[0]!) : commutes && isFillOf(n.inputs[0]!, unit) ? keepAs(n, n.inputs[1]!) : undefined

/**
 * add, sub, mul, div and greater.
 * @example mk('add', [y, bias], {}) // ['N', 10] + [10] -> ['N', 10]
 */
export const binaryOps = {
  add: {
    ...binaryOp('add', {
      run: (a, b) => tf.add(a, b),
      program: 'add',
      grad: (y, dy, need) => {
        const [a, b] = y.inputs
        return [need[0] ? unbroadcast(dy, a!.shape) : undefined, need[1] ? unbroadcast(dy, b!.shape) : undefined]
      },
      fold: foldBinary((a, b) => a + b),
      simplify: dropUnit(0, true),
      onnx: onnxOp('Add'),
    }),
    fusion: { role: 'biasAdd' },
  },
  sub: binaryOp('sub', {
    run: (a, b) => tf.sub(a, b),
    program: 'sub',
    grad: (y, dy, need) => {
      const [a, b] = y.inputs
      return [need[0] ? unbroadcast(dy, a!.shape) : undefined, need[1] ? unbroadcast(neg(dy), b!.shape) : undefined]
    },
    fold: foldBinary((a, b) => a - b),
    // x - 0 -> x; 0 - x -> neg x
    simplify: (n) =>
      isFillOf(n.inputs[1]!, 0) ? keepAs(n, n.inputs[0]!) : isFillOf(n.inputs[0]!, 0) && keepAs(n, n.inputs[1]!) ? mk('neg', [n.inputs[1]!], {}) : undefined,
    onnx: onnxOp('Sub'),
  }),
  mul: binaryOp('mul', {
    run: (a, b) => tf.mul(a, b),
    program: 'mul',
    grad: (y, dy, need) => {
      const [a, b] = y.inputs
      return [need[0] ? unbroadcast(mul(dy, b!), a!.shape) : undefined, need[1] ? unbroadcast(mul(dy, a!), b!.shape) : undefined]
    },
    fold: foldBinary((a, b) => a * b),
    // not x * 0 -> 0: wrong when x holds Inf or NaN, and a diverging run should show its NaNs
    simplify: dropUnit(1, true),
    onnx: onnxOp('Mul'),
  }),
  // y = a / b: da = dy / b, db = -dy * y / b
  div: binaryOp('div', {
    run: (a, b) => tf.div(a, b),
    program: 'div',
    grad: (y, dy, need) => {
      const [a, b] = y.inputs
      return [need[0] ? unbroadcast(div(dy, b!), a!.shape) : undefined, need[1] ? unbroadcast(neg(div(mul(dy, y), b!)), b!.shape) : undefined]
    },
    fold: foldBinary((a, b) => a / b),
    simplify: dropUnit(1, false),
    onnx: onnxOp('Div'),
  }),
  greater: binaryOp('greater', {
    run: (a, b) => tf.cast(tf.greater(a, b), 'float32'),
    grad: zeroGrad,
    fold: foldBinary((a, b) => (a > b ? 1 : 0)),
    simplify: noSimplify,
    // ONNX's Greater gives bool; ours is a float 0/1
    onnx: (ins, _a, cx) => E.right(cx.b.op('Cast', [cx.b.op('Greater', ins)], { to: attr.int(ONNX_FLOAT) })),
  }),
} satisfies OpFamily<'add' | 'sub' | 'mul' | 'div' | 'greater'>
