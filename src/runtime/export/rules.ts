/**
 * The ONNX export rule of every op, in one table typed `satisfies { [O in Op]: OnnxRule<O> }`, so adding
 * an op without deciding how it exports is a compile error. Ops that never appear in an inference graph
 * (losses, metrics, gradient primitives, training statistics) are rules that fail with the reason.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Op } from '../../dsl/ops.js'
import { type OnnxRule, cannot } from './rules/common.js'
import { elementwiseRules, structureRules } from './rules/structure.js'
import { imageRules } from './rules/image.js'
import { nnRules } from './rules/nn.js'

export { type EmitContext, type OnnxRule } from './rules/common.js'

const gradient = cannot('a gradient primitive, which only training graphs contain')

/**
 * How each op exports: `onnxRules[node.op](inputValueNames, node.attrs, { node, b, params })` emits the
 * node's ONNX nodes into the builder and gives the name of its result.
 *
 * @example
 * onnxRules.relu(['x'], {}, cx) // Right('relu_3'): one Relu node x -> relu_3
 * onnxRules.reluGrad(['y', 'dy'], {}, cx) // Left(ExportError 'cannot export op reluGrad (node #9): a gradient primitive, ...')
 */
export const onnxRules = {
  input: (_ins, _a, cx) => E.right(cx.b.input.name),
  // shapes and values were checked before emission (onnx.ts)
  param: (_ins, a, cx) => {
    const t = cx.params[a.name]!
    return E.right(cx.b.initializer(a.name, t.shape as readonly number[], 'float32', t.data))
  },
  // one scalar constant expanded to the fill's shape (read from the input at run time where symbolic), so
  // a large fill is not stored element by element
  fill: (_ins, a, cx) => {
    const { shape, dtype } = cx.node
    const value = cx.b.constant([], dtype === 'int32' ? 'int32' : 'float32', [a.value])
    return shape.length === 0 ? E.right(value) : E.map((s: string) => cx.b.op('Expand', [value, s]))(cx.b.shapeOf(shape))
  },
  ...elementwiseRules,
  ...structureRules,
  ...imageRules,
  ...nnRules,
  softmaxCrossEntropy: cannot('a loss; export the logits it is computed from'),
  correctCount: cannot('a metric; export the logits it is computed from'),
  invalidCount: cannot('a check of training data; export the logits'),
  channelStat: cannot('a batch statistic used by training steps to update running statistics'),
  conv2dFilterGrad: gradient,
  conv2dInputGrad: gradient,
  avgPool2dGrad: gradient,
  maxPool2dGrad: gradient,
  sigmoidGrad: gradient,
  reluGrad: gradient,
  tanhGrad: gradient,
  softmaxCrossEntropyGrad: gradient,
  batchNormGrad: gradient,
} satisfies { [O in Op]: OnnxRule<O> }
