/**
 * The leaves: graph inputs (data), parameters and constant fills. Their attrs are declared by the IR core
 * (src/ir/ops.ts), which builds graphs from them; their shape is given when they are made, not inferred.
 */
import * as tf from '@tensorflow/tfjs-core'
import * as E from 'fp-ts/lib/Either.js'
import type { Node } from '../ir/node.js'
import type { OpFamily } from './shared/impl.js'
import { leafGrad } from './shared/grad.js'
import { leafLayout } from './shared/layout.js'
import { asWritten, noFold, noSimplify } from './shared/rewrites.js'
import { leafShape } from './shared/shape-rules.js'

const leaf = { grad: leafGrad, layout: leafLayout, fold: noFold, simplify: noSimplify, canonical: asWritten } as const

/**
 * input, param and fill.
 *
 * @example
 * leafOps.fill.eval([], { value: 1 }, ctx) // tf.fill(bound shape, 1)
 */
export const leafOps = {
  input: {
    ...leaf,
    shape: leafShape('input'),
    eval: (_x, _a, ctx) => ctx.leaf(ctx.node as Node<'input'>),
    lower: (_x, _a, ctx) => ctx.leaf(ctx.node as Node<'input'>),
    onnx: (_ins, _a, cx) => E.right(cx.b.input.name),
  },
  param: {
    ...leaf,
    shape: leafShape('param'),
    eval: (_x, _a, ctx) => ctx.leaf(ctx.node as Node<'param'>),
    lower: (_x, _a, ctx) => ctx.leaf(ctx.node as Node<'param'>),
    // shapes and values were checked before emission (src/runtime/export/onnx.ts)
    onnx: (_ins, a, cx) => {
      const t = cx.params[a.name]!
      return E.right(cx.b.initializer(a.name, t.shape as readonly number[], 'float32', t.data))
    },
  },
  fill: {
    ...leaf,
    shape: leafShape('fill'),
    eval: (_x, a, ctx) => tf.fill(ctx.bind(ctx.node.shape), a.value, ctx.node.dtype),
    // made once per binding and kept: a fill is a constant
    lower: (_x, a, ctx) => {
      const shape = ctx.bind(ctx.node.shape)
      return ctx.constant(`fill:${a.value}:${ctx.node.dtype}:${shape.join(',')}`, () => tf.fill(shape, a.value, ctx.node.dtype))
    },
    // one scalar constant expanded to the fill's shape (read from the input at run time where symbolic), so
    // a large fill is not stored element by element
    onnx: (_ins, a, cx) => {
      const { shape, dtype } = cx.node
      const value = cx.b.constant([], dtype === 'int32' ? 'int32' : 'float32', [a.value])
      return shape.length === 0 ? E.right(value) : E.map((s: string) => cx.b.op('Expand', [value, s]))(cx.b.shapeOf(shape))
    },
  },
} satisfies OpFamily<'input' | 'param' | 'fill'>
