/**
 * The runtime shape rule of every op: one table, typed so that a missing op is a compile error.
 * The type-level rules in src/types compute the same shapes and the same error texts.
 */
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import type { Node } from './node.js'
import type { DType, Op, OpAttrs } from './ops.js'
import { type RShape, ShapeError, normAxis, showShape } from './shape.js'
import { type RuleResult, broadcastShapes, ok, shapeError } from './rules/common.js'
import { conv2dShape, gradShape, nchw, poolShape } from './rules/image.js'
import { matMulShape, reduceShape, reshapeShape, transposeShape } from './rules/structure.js'

type Rule<O extends Op> = (inputs: readonly Node[], attrs: OpAttrs[O], shape?: RShape, dtype?: DType) => RuleResult

const arity = (op: string, inputs: readonly Node[], n: number | readonly number[]): E.Either<ShapeError, readonly Node[]> => {
  const allowed = typeof n === 'number' ? [n] : n
  return allowed.includes(inputs.length)
    ? E.right(inputs)
    : E.left(new ShapeError(op, `${op} takes ${allowed.join(' or ')} inputs but got ${inputs.length}`))
}
const leaf = (op: string): Rule<Op> => (inputs, _a, shape, dtype) =>
  inputs.length === 0 && shape ? ok(shape, dtype ?? 'float32') : shapeError(op, `${op} is a leaf and needs a shape`)
const same: Rule<Op> = (inputs) => pipe(arity('unary', inputs, 1), E.chain(([x]) => ok(x!.shape, x!.dtype)))
const binary = (op: string): Rule<Op> => (inputs) =>
  pipe(arity(op, inputs, 2), E.chain(([a, b]) => pipe(broadcastShapes(op, a!.shape, b!.shape), E.chain((s) => ok(s)))))
const gradOfUnary = (op: string): Rule<Op> => (inputs) =>
  pipe(
    arity(op, inputs, 2),
    E.chain(([y, dy]) => broadcastShapes(op, y!.shape, dy!.shape)),
    E.chain((s) => ok(s)),
  )
const axisRule = (op: string): Rule<'softmax' | 'logSoftmax'> => (inputs, a) =>
  pipe(
    arity(op, inputs, 1),
    E.chain(([x]) =>
      normAxis(a.axis, x!.shape.length) === undefined
        ? shapeError(op, `${op} axis ${a.axis} out of range for ${showShape(x!.shape)}`, x!.shape)
        : ok(x!.shape),
    ),
  )
const crossEntropyCheck = (logits: RShape, labels: Node): E.Either<ShapeError, void> =>
  logits.length !== 2
    ? E.left(new ShapeError('crossEntropy', `crossEntropy expects logits [N, C] but got ${showShape(logits)}`, [logits]))
    : labels.shape.length !== 1 || (labels.shape[0] !== logits[0] && typeof labels.shape[0] === 'number' && typeof logits[0] === 'number')
      ? E.left(new ShapeError('crossEntropy', `crossEntropy expects labels [${logits[0]}] but got ${showShape(labels.shape)}`, [logits, labels.shape]))
      : labels.dtype !== 'int32'
        ? E.left(new ShapeError('crossEntropy', `crossEntropy expects int32 labels but got ${labels.dtype}`))
        : E.right(undefined)
const channelParams = (op: string, x: RShape, axis: number, ps: readonly Node[]): E.Either<ShapeError, void> => {
  const c = x[axis]
  const bad = ps.find((p) => p.shape.length !== 1 || (p.shape[0] !== c && typeof c === 'number'))
  return bad ? E.left(new ShapeError(op, `${op} expects parameters of shape [${c}] but got ${showShape(bad.shape)}`)) : E.right(undefined)
}

/** The shape rule of every op. */
export const shapeRules = {
  input: leaf('input') as Rule<'input'>,
  param: leaf('param') as Rule<'param'>,
  fill: leaf('fill') as Rule<'fill'>,
  neg: same, exp: same, log: same, sqrt: same, square: same, sigmoid: same, relu: same, tanh: same,
  add: binary('add'), sub: binary('sub'), mul: binary('mul'), div: binary('div'), greater: binary('greater'),
  matMul: (i, a) => pipe(arity('matMul', i, 2), E.chain(([x, y]) => matMulShape(x!.shape, y!.shape, a.transposeA, a.transposeB))),
  conv2d: (i, a) => pipe(arity('conv2d', i, 2), E.chain(([x, f]) => conv2dShape(x!.shape, f!.shape, a))),
  avgPool2d: (i, a) => pipe(arity('avgPool2d', i, 1), E.chain(([x]) => poolShape('avgPool2d', x!.shape, a))),
  maxPool2d: (i, a) => pipe(arity('maxPool2d', i, 1), E.chain(([x]) => poolShape('maxPool2d', x!.shape, a))),
  reshape: (i, a) => pipe(arity('reshape', i, 1), E.chain(([x]) => reshapeShape(x!.shape, a.shape))),
  transpose: (i, a) => pipe(arity('transpose', i, 1), E.chain(([x]) => transposeShape(x!.shape, a.perm))),
  sum: (i, a) => pipe(arity('sum', i, 1), E.chain(([x]) => reduceShape('sum', x!.shape, a))),
  mean: (i, a) => pipe(arity('mean', i, 1), E.chain(([x]) => reduceShape('mean', x!.shape, a))),
  max: (i, a) => pipe(arity('max', i, 1), E.chain(([x]) => reduceShape('max', x!.shape, a))),
  softmax: axisRule('softmax'),
  logSoftmax: axisRule('logSoftmax'),
  softmaxCrossEntropy: (i) =>
    pipe(arity('crossEntropy', i, 2), E.chain(([l, y]) => crossEntropyCheck(l!.shape, y!)), E.chain(() => ok([]))),
  dropout: (i, a) =>
    a.rate < 0 || a.rate >= 1
      ? shapeError('dropout', `dropout rate must be in [0, 1) but got ${a.rate}`)
      : same(i, a),
  batchNorm: (i, a) =>
    pipe(
      arity('batchNorm', i, [3, 5]),
      E.chain(([x, ...ps]) => pipe(channelParams('batchNorm', x!.shape, a.axis, ps as Node[]), E.map(() => x!.shape))),
      E.chain((s) => ok(s)),
    ),
  batchNormInfer: (i, a) =>
    pipe(
      arity('batchNormInfer', i, 5),
      E.chain(([x, ...ps]) => pipe(channelParams('batchNormInfer', x!.shape, a.axis, ps as Node[]), E.map(() => x!.shape))),
      E.chain((s) => ok(s)),
    ),
  channelStat: (i, a) =>
    pipe(
      arity('channelStat', i, 1),
      E.chain(([x]) => {
        const ax = normAxis(a.axis, x!.shape.length)
        return ax === undefined ? shapeError('channelStat', `channelStat axis ${a.axis} is out of range for ${showShape(x!.shape)}`) : ok([x!.shape[ax]!])
      }),
    ),
  conv2dFilterGrad: (i, a) =>
    pipe(arity('conv2dFilterGrad', i, 2), E.chain(([x, dy]) => gradShape('conv2dFilterGrad', a.filterShape, dy!.shape, conv2dShape(x!.shape, a.filterShape, a)))),
  conv2dInputGrad: (i, a) =>
    pipe(arity('conv2dInputGrad', i, 2), E.chain(([dy, f]) => gradShape('conv2dInputGrad', a.inputShape, dy!.shape, conv2dShape(a.inputShape, f!.shape, a)))),
  avgPool2dGrad: (i, a) =>
    pipe(arity('avgPool2dGrad', i, 1), E.chain(([dy]) => gradShape('avgPool2dGrad', a.inputShape, dy!.shape, poolShape('avgPool2d', a.inputShape, a)))),
  maxPool2dGrad: (i, a) =>
    pipe(arity('maxPool2dGrad', i, 3), E.chain(([dy, x]) => gradShape('maxPool2dGrad', x!.shape, dy!.shape, poolShape('maxPool2d', x!.shape, a)))),
  sigmoidGrad: gradOfUnary('sigmoidGrad'),
  reluGrad: gradOfUnary('reluGrad'),
  tanhGrad: gradOfUnary('tanhGrad'),
  correctCount: (i) =>
    pipe(arity('correctCount', i, 2), E.chain(([l, y]) => crossEntropyCheck(l!.shape, y!)), E.chain(() => ok([]))),
  invalidCount: (i) => pipe(arity('invalidCount', i, 1), E.chain(() => ok([]))),
  softmaxCrossEntropyGrad: (i) =>
    pipe(arity('softmaxCrossEntropyGrad', i, 3), E.chain(([l, y]) => pipe(crossEntropyCheck(l!.shape, y!), E.map(() => l!.shape))), E.chain((s) => ok(s))),
  batchNormGrad: (i, a) =>
    pipe(arity('batchNormGrad', i, 3), E.chain(([x, g]) => ok(a.which === 'x' ? x!.shape : g!.shape))),
  broadcastTo: (i, a) =>
    pipe(
      arity('broadcastTo', i, 1),
      E.chain(([x]) => broadcastShapes('broadcastTo', x!.shape, a.shape)),
      E.chain((s) => (s.length === a.shape.length && s.every((d, k) => d === a.shape[k]) ? ok(a.shape) : shapeError('broadcastTo', `broadcastTo cannot broadcast to ${showShape(a.shape)}`))),
    ),
  fusedConv2d: (i, a) =>
    pipe(
      arity('fusedConv2d', i, [2, 3]),
      E.chain(([x, f, bias]) =>
        pipe(
          conv2dShape(x!.shape, f!.shape, a),
          E.chain((r) => {
            const c = nchw(r.shape, a.layout)[1]
            return bias && (bias.shape.length !== 1 || bias.shape[0] !== c)
              ? shapeError('fusedConv2d', `fusedConv2d expects a bias of shape [${c}] but got ${showShape(bias.shape)}`)
              : ok(r.shape)
          }),
        ),
      ),
    ),
  fusedMatMul: (i, a) =>
    pipe(
      arity('fusedMatMul', i, [2, 3]),
      E.chain(([x, y, bias]) =>
        pipe(
          matMulShape(x!.shape, y!.shape, a.transposeA, a.transposeB, 'fusedMatMul'),
          E.chain((r) =>
            bias ? pipe(broadcastShapes('fusedMatMul', r.shape, bias.shape), E.chain(() => ok(r.shape))) : ok(r.shape),
          ),
        ),
      ),
    ),
} satisfies { [O in Op]: Rule<O> }

/** Infers a node's shape and dtype from its op's rule. */
export const inferNode = <O extends Op>(op: O, inputs: readonly Node[], attrs: OpAttrs[O], shape?: RShape, dtype?: DType): RuleResult =>
  (shapeRules[op] as Rule<O>)(inputs, attrs, shape, dtype)
