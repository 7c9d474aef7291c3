/**
 * Models as values (Equinox style): a model is a function from an input expression to an output expression,
 * plus its input shape and `init(key)`, which draws a parameter tree. A `sequential` is a model; so is any
 * function composition wrapped with `model(inputShape, body)`: pipes of layers, `F` ops, residual adds.
 *
 * Parameters are named by their place in the model (src/dsl/scope.ts), so the same model always has the
 * same leaf names ('0.weight' in a sequential; 'conv2d0.weight', 'c1.weight' or 'block.0.weight' in a
 * function model), and the parameter tree mirrors those names: `params[0].weight`, `params.conv2d0.weight`.
 */
import type { AnyShapeErr, Shape } from '../types/shape.js'
import { type Expr, input, intInput } from './expr.js'
import { type Node, topo } from './node.js'
import type { DType } from './ops.js'
import { type Key, foldIn } from './random.js'
import { inScope, insideScope, placeName } from './scope.js'
import { type Tensor, initTensor } from './tensor.js'

/** A parameter tree: host tensors under records and arrays (a sequential's tree is an array of records). */
export type ParamTree = Tensor | { readonly [name: string]: ParamTree } | readonly ParamTree[]

/** A function model's parameter tree: records by place name (`params.conv2d0.weight`, `params.block.0.weight`). */
export interface NamedParams {
  readonly [name: string]: ParamTree
}

/**
 * A model from inputs of shape `In` to outputs of shape `Out` with parameter tree `P`. Its type names the two
 * shapes and the tree's type, so an editor's hover reads `Model<readonly ["N", 1, 28, 28], readonly ["N", 10], NamedParams>`.
 */
export interface Model<In extends Shape = Shape, Out = Shape, P = ParamTree> {
  (x: Expr<In>): Out extends Shape ? Expr<Out, 'float32'> : Out
  /** The shape of a batch of inputs, e.g. ['N', 1, 28, 28]. */
  readonly inputShape: In
  /** Float inputs (an {@link IntModel} says 'int32'). */
  readonly inputDtype?: 'float32'
  /** Draws every parameter (and buffer) from `key`: leaf `a.b.c` uses `foldIn(foldIn(foldIn(key, 'a'), 'b'), 'c')`. */
  init(key: Key): P
}

/**
 * A model of int32 inputs (token ids, which an embedding reads) of shape `In`: `model(shape, body, { input: 'int32' })`.
 * fit, evaluate, predict, save, load and exportOnnx take it as they take a `Model`.
 */
export interface IntModel<In extends Shape = Shape, Out = Shape, P = ParamTree> {
  (x: Expr<In, 'int32'>): Out extends Shape ? Expr<Out, 'float32'> : Out
  /** The shape of a batch of inputs, e.g. ['N', 16]. */
  readonly inputShape: In
  readonly inputDtype: 'int32'
  /** Draws every parameter (and buffer) from `key`, as a `Model`'s. */
  init(key: Key): P
}

/** Any model. */
export type AnyModel = Model<any, any, any> | IntModel<any, any, any>
/** The output shape of a model type. */
export type OutOf<M> = M extends Model<any, infer O, any> | IntModel<any, infer O, any> ? O : never
/** The input shape of a model type. */
export type InOf<M> = M extends Model<infer I, any, any> | IntModel<infer I, any, any> ? I : never
/** The parameter tree of a model type. */
export type ParamsOf<M> = M extends Model<any, any, infer P> | IntModel<any, any, infer P> ? P : never

/** One parameter leaf of a model: its name, shape and whether the optimizer trains it (false: a buffer). */
export interface ParamSlot {
  readonly name: string
  readonly shape: readonly number[]
  readonly trainable: boolean
}

/** The element type of a model's inputs. @example inputDtypeOf(lenet) // 'float32' */
export const inputDtypeOf = (m: AnyModel): DType => m.inputDtype ?? 'float32'

/**
 * The model's graph on a data input named `name` (default 'x', of the model's input dtype): its output node.
 * @example traceModel(lenet).shape // ['N', 10]
 */
export const traceModel = (m: AnyModel, name = 'x'): Node =>
  (m.inputDtype === 'int32' ? (m(intInput(name, m.inputShape)) as Expr) : (m(input(name, m.inputShape)) as Expr)).node

const leavesOf = (m: AnyModel): Node<'param'>[] => topo([traceModel(m)]).filter((n): n is Node<'param'> => n.op === 'param')

/**
 * Every parameter leaf of a model, in graph order (buffers included).
 * @example paramSlots(lenet)[0] // { name: '0.weight', shape: [6, 1, 5, 5], trainable: true }
 */
export const paramSlots = (m: AnyModel): ParamSlot[] =>
  leavesOf(m).map((p) => ({ name: p.attrs.name, shape: p.shape as number[], trainable: p.attrs.trainable !== false }))

const isTensor = (t: unknown): t is Tensor => typeof t === 'object' && t !== null && (t as Tensor).data instanceof Float32Array

/**
 * A parameter tree as a flat record keyed by leaf name (path segments joined by '.').
 * @example flattenParams([{ weight: w, bias: b }, {}]) // { '0.weight': w, '0.bias': b }
 */
export const flattenParams = (tree: ParamTree): Record<string, Tensor> => {
  const out: Record<string, Tensor> = {}
  const walk = (t: ParamTree, path: string) => {
    if (isTensor(t)) out[path] = t
    else for (const [k, v] of Object.entries(t)) walk(v as ParamTree, path === '' ? k : `${path}.${k}`)
  }
  walk(tree, '')
  return out
}

/**
 * A flat record keyed by leaf name as a nested tree (records only; numeric segments become record keys,
 * which index like an array's).
 * @example unflattenParams({ 'c1.weight': w }) // { c1: { weight: w } }
 */
export const unflattenParams = (flat: Readonly<Record<string, Tensor>>): { readonly [name: string]: ParamTree } => {
  const root: Record<string, unknown> = {}
  for (const [name, t] of Object.entries(flat)) {
    const path = name.split('.')
    let at = root
    for (const seg of path.slice(0, -1)) at = (at[seg] ??= {}) as Record<string, unknown>
    at[path[path.length - 1]!] = t
  }
  return root as { readonly [name: string]: ParamTree }
}

/**
 * Draws the leaves of a model from `key` by their names (each from the key folded with its path), with
 * each leaf's own initializer: the values a sequential's `init` draws, for any model.
 */
export const initLeaves = (m: AnyModel, k: Key): Record<string, Tensor> =>
  Object.fromEntries(
    leavesOf(m).map((p) => {
      const a = p.attrs
      return [a.name, initTensor(a.name.split('.').reduce(foldIn, k), p.shape as number[], a.init, a.fanIn, a.fanOut)]
    }),
  )

/** Options of {@link model}: its name (when called inside another model) and its inputs' element type. */
export interface ModelOptions<D extends DType = DType> {
  readonly name?: string
  /** 'int32' for token ids (an embedding reads them); default 'float32'. */
  readonly input?: D
}

/**
 * A model from a function composition over inputs of shape `inputShape`. Layers the body calls are named
 * by their place (`linear0`, `linear1`, or their `.named(...)` name); a model called inside another
 * nests its names under its own (`model0.linear0.weight`). `init` gives the tree of those names. The third
 * argument is its name, or options `{ name?, input?: 'int32' }` (int32 inputs: token ids).
 *
 * @example
 * const lm = model(['N', 8], (t) => head(tok(t)), { input: 'int32' }) // t: Expr<readonly ['N', 8], 'int32'>
 *
 * @example
 * const block = conv2d(8, 8, { kernel: 3, padding: 1 })
 * const net = model(['N', 8, 28, 28], (x) => F.relu(F.add(x, block(x))))
 * const params = net.init(key(0))          // params.conv2d0.weight: Tensor
 * net(input('x', ['N', 8, 28, 28]))       // Expr<readonly ['N', 8, 28, 28]>
 */
export function model<const In extends Shape, R>(inputShape: In, body: (x: Expr<In, 'int32'>) => BodyResult<R>, options: ModelOptions<'int32'> & { readonly input: 'int32' }): IntModelOf<In, R>
export function model<const In extends Shape, R>(inputShape: In, body: (x: Expr<In>) => BodyResult<R>, options?: string | ModelOptions<'float32'>): ModelOf<In, R>
export function model(inputShape: Shape, body: (x: never) => unknown, options?: string | ModelOptions): unknown {
  const { name, input: dtype } = typeof options === 'string' ? { name: options, input: undefined } : (options ?? {})
  const m = Object.assign(
    (x: Expr<Shape, DType>) => {
      const prefix = insideScope() ? `${placeName(m, 'Model', name)}.` : ''
      return inScope(prefix, () => body(x as never))
    },
    { inputShape, init: (k: Key) => unflattenParams(initLeaves(m, k)), ...(dtype === 'int32' ? { inputDtype: dtype } : {}) },
  ) as unknown as AnyModel
  return m
}

/**
 * What a model's body may return: an expression, a shape error (already reported where it arose), or `unknown`,
 * the type TypeScript gives a call that already failed (so it is not reported a second time); anything else
 * must be an expression.
 */
export type BodyResult<R> = unknown extends R ? R : R extends Expr<Shape, 'float32'> | AnyShapeErr ? R : Expr<Shape, 'float32'>

/**
 * The model a body returning `R` makes: `Model<In, O, NamedParams>` for an expression of shape `O`, or the body's
 * shape error itself (already reported where it arose), so hovering a broken model shows the error text.
 */
export type ModelOf<In extends Shape, R> = R extends Expr<infer O, 'float32'> ? Model<In, O, NamedParams> : R
/** The model of int32 inputs (token ids) a body returning `R` makes (see {@link ModelOf}). */
export type IntModelOf<In extends Shape, R> = R extends Expr<infer O, 'float32'> ? IntModel<In, O, NamedParams> : R

/**
 * A flat record keyed by leaf name as the model's own parameter tree: a sequential's array of per-layer
 * records (`[{ weight, bias }, {}, ...]`), or the nested records of a function model.
 * @example paramTree(lenet, flat)[0].weight === flat['0.weight']
 */
export const paramTree = (m: AnyModel, flat: Readonly<Record<string, Tensor>>): ParamTree => {
  const layers = (m as { layers?: readonly { readonly params: object }[] }).layers
  return layers === undefined
    ? unflattenParams(flat)
    : layers.map((l, i) => Object.fromEntries(Object.keys(l.params).flatMap((k) => (flat[`${i}.${k}`] === undefined ? [] : [[k, flat[`${i}.${k}`]!]]))))
}
