/**
 * Layers: pure values holding a configuration, the shapes of their parameters, a runtime shape rule and
 * (in the types) the matching shape function. Applying a layer to an expression builds IR nodes; its
 * parameters are leaves (`param` nodes) named by the layer's path, so a model is one expression tree and
 * its parameters are a plain typed tree of host tensors created by an explicit `init(key)`.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Product, Sum } from '../types/arith.js'
import type { Apply, ShapeFn } from '../types/fn.js'
import type { AnyShapeErr, Shape } from '../types/shape.js'
import { type Expr, expr } from './expr.js'
import { type Node, mk } from './node.js'
import type { Initializer } from './ops.js'
import { type Key, foldIn } from './random.js'
import { callStream, placeName } from './scope.js'
import { type RShape, ShapeError } from './shape.js'
import { type Tensor, initTensor } from './tensor.js'

/** How one parameter is shaped and initialized. */
export interface ParamSpec<S extends Shape = Shape> {
  readonly shape: S
  readonly init: Initializer
  readonly fanIn: number
  readonly fanOut: number
  /** false: a buffer (state the training step updates itself, e.g. running statistics), not differentiated. */
  readonly trainable?: false
}

/** The parameter shapes of a layer, by name. */
export type ParamShapes = { readonly [name: string]: Shape }

/** A layer's parameters as host tensors, e.g. `{ weight: Tensor<[6, 1, 5, 5]>, bias: Tensor<[6]> }`. */
export type Params<P extends ParamShapes> = { readonly [K in keyof P]: Tensor<P[K]> }

/** A layer's parameters as expressions (leaves or any computed values). */
export type ParamExprs<P extends ParamShapes> = { readonly [K in keyof P]: Expr<P[K]> }

/**
 * What the result of applying a shape function becomes: an expression, or the error text itself.
 * (`infer T extends Shape` rather than `O extends Shape`: the latter is deferred when a dim is a type parameter.)
 */
export type Out<O> = O extends infer T extends Shape ? Expr<T, 'float32'> : O

/**
 * What a layer accepts for an argument of type `X`: `X` itself when the layer's rule accepts its shape (or when
 * `X` is already a shape error, which passes through unchanged, so one mistake is reported once), else the error
 * text. So a call on a shape that does not fit fails on its argument with
 * `Argument of type 'Expr<readonly ["N", 400]>' is not assignable to parameter of type '"ShapeError: linear expects 256 input features but got 400"'`,
 * and so does a layer in fp-ts `pipe` (`Types of parameters ... are incompatible`), whatever its position.
 */
export type LayerArg<F, X> =
  X extends Expr<infer S, 'float32'>
    ? Apply<F, S> extends infer O extends AnyShapeErr
      ? O
      : X
    : X extends AnyShapeErr
      ? X
      : Expr<Shape, 'float32'>

/** What a layer returns for an argument of type `X`: the expression of its output shape, or the shape error. */
export type LayerOut<F, X> = X extends Expr<infer S, 'float32'> ? Out<Apply<F, S>> : X extends AnyShapeErr ? X : never

/** What a layer may be called on: an expression, or (propagated silently) a shape error reported earlier. */
export type LayerInput = Expr<Shape, 'float32'> | AnyShapeErr

/**
 * A layer with shape function `F` and parameter shapes `P`. It is callable: `layer(x)` builds the layer's
 * nodes over `x` with parameter leaves named `<layer.name>.<param>`.
 */
export interface Layer<F extends ShapeFn = ShapeFn, P extends ParamShapes = ParamShapes> {
  <X extends LayerInput>(x: LayerArg<F, X>): LayerOut<F, X>
  /** The PyTorch-style class name shown in summaries, e.g. `Conv2d`. */
  readonly kind: string
  /**
   * The name given with `named`, or '' when its leaves are named by its place in the model
   * (src/dsl/scope.ts: `linear0.weight`, ...).
   */
  readonly name: string
  /** A one-line description, e.g. `Conv2d(1, 6, kernel_size=(5, 5), padding=(2, 2))`. */
  readonly describe: string
  readonly params: { readonly [K in keyof P]: ParamSpec<P[K]> }
  /** The runtime shape rule: the same shapes and error texts as the type-level `F`. */
  outShape(input: RShape): E.Either<ShapeError, RShape>
  /**
   * Builds the layer's nodes on `x` with the given parameter nodes (shape already checked). `stream` names
   * this call's place in the model: a random layer (dropout) draws from it.
   */
  build(x: Node, params: { readonly [K in keyof P]: Node }, stream: string): Node
  /** A copy whose parameter leaves are named `<name>.<param>`. */
  named(name: string): Layer<F, P>
  /** Phantom: the type-level shape function. */
  readonly _fn?: F
}

/** Any layer. */
export type AnyLayer = Layer<any, any>
/** The shape function of a layer type. */
export type FnOf<L> = L extends Layer<infer F, any> ? F : never
/** The parameter shapes of a layer type. */
export type ShapesOf<L> = L extends Layer<any, infer P> ? P : never

/** Parameter names of buffers (state, not trained; PyTorch's `parameters()` leaves them out): batch norm's running statistics. */
export type BufferName = `${string}runningMean` | `${string}runningVar`

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never
type LastOf<U> = UnionToIntersection<U extends unknown ? () => U : never> extends () => infer R ? R : never
/** The members of a union of keys as a tuple (in some order). */
type KeysOf<U, Acc extends unknown[] = []> = [U] extends [never] ? Acc : KeysOf<Exclude<U, LastOf<U>>, [LastOf<U>, ...Acc]>
type Sizes<P, Ks extends unknown[], Acc extends number[] = []> = Ks extends [infer K extends keyof P, ...infer Rest]
  ? Sizes<P, Rest, P[K] extends infer S extends readonly number[] ? [...Acc, Product<S>] : [...Acc, number]>
  : Acc
type LayerSizes<L extends readonly unknown[], Acc extends number[] = []> = L extends readonly [infer H, ...infer T]
  ? LayerSizes<T, Sizes<ShapesOf<H>, KeysOf<Exclude<keyof ShapesOf<H>, BufferName>>, Acc>>
  : Acc

/**
 * The number of trainable parameters of a list of layers, as a number literal type (buffers not counted):
 * what PyTorch's `sum(p.numel() for p in model.parameters())` gives.
 *
 * @example
 * type N = ParamCount<[Linear<784, 256>, Linear<256, 10>]> // 203530
 */
export type ParamCount<L extends readonly unknown[]> = Sum<LayerSizes<L>>

/** What `defineLayer` needs: everything but the callable and `named`. */
export interface LayerDef<P extends ParamShapes> {
  readonly kind: string
  readonly describe: string
  readonly params: { readonly [K in keyof P]: ParamSpec<P[K]> }
  outShape(input: RShape): E.Either<ShapeError, RShape>
  build(x: Node, params: { readonly [K in keyof P]: Node }, stream: string): Node
}

/** The parameter leaves of a layer named `prefix`. */
export const paramLeaves = <P extends ParamShapes>(layer: LayerDef<P>, prefix: string): { readonly [K in keyof P]: Node } =>
  Object.fromEntries(
    Object.entries(layer.params).map(([k, spec]) => {
      const s = spec as ParamSpec
      const attrs = { name: prefix ? `${prefix}.${k}` : k, init: s.init, fanIn: s.fanIn, fanOut: s.fanOut }
      return [k, mk('param', [], s.trainable === false ? { ...attrs, trainable: false } : attrs, s.shape, 'float32')]
    }),
  ) as { readonly [K in keyof P]: Node }

/**
 * Applies a layer to a node: checks the shape with the layer's own rule (so the error names the layer,
 * as the type does) and builds its nodes. Throws `ShapeError`.
 */
export const applyNode = <P extends ParamShapes>(layer: LayerDef<P>, x: Node, params: { readonly [K in keyof P]: Node }, name = ''): Node => {
  const checked = layer.outShape(x.shape)
  if (E.isLeft(checked)) throw checked.left
  return layer.build(x, params, name)
}

/**
 * Makes a callable layer from its definition.
 *
 * @example
 * const l = defineLayer<IdentityFn, {}>({ kind: 'Sigmoid', describe: 'Sigmoid()', params: {},
 *   outShape: E.right, build: (x) => mk('sigmoid', [x], {}) })
 */
export const defineLayer = <F extends ShapeFn, P extends ParamShapes>(def: LayerDef<P>, name?: string): Layer<F, P> => {
  const layer: Layer<F, P> = Object.assign(
    (x: Expr<Shape>) => {
      const at = placeName(layer, def.kind, name)
      return expr(applyNode(def, x.node, paramLeaves(def, at), callStream(layer, at)))
    },
    { ...def, named: (n: string) => defineLayer<F, P>(def, n) },
  ) as unknown as Layer<F, P>
  // A function's own `name` is read-only, so Object.assign cannot set it: define it instead.
  Object.defineProperty(layer, 'name', { value: name ?? '', enumerable: true })
  return layer
}

/**
 * Applies a layer with explicit parameter expressions (e.g. leaves of another naming, or constants).
 *
 * @example
 * const y = applyLayer(linear(400, 120), { weight: w, bias: b }, x) // Expr<['N', 120]>
 */
export const applyLayer = <F extends ShapeFn, P extends ParamShapes, X extends LayerInput>(
  layer: Layer<F, P>,
  params: ParamExprs<P>,
  x: LayerArg<F, X>,
): LayerOut<F, X> =>
  expr(
    applyNode(layer, (x as Expr).node, Object.fromEntries(Object.entries(params).map(([k, v]) => [k, (v as Expr).node])) as never, placeName(layer, layer.kind, layer.name || undefined)),
  ) as never

/**
 * Draws a layer's parameters from `key`; each parameter uses `foldIn(key, name)` (a combinator's dotted name
 * `1.0.weight` folds in each segment, as a model's `init` does), so adding a layer does not change the others' values.
 */
export const initLayer = <P extends ParamShapes>(layer: Pick<Layer<any, P>, 'params'>, k: Key): Params<P> =>
  Object.fromEntries(
    Object.entries(layer.params).map(([name, spec]) => {
      const s = spec as ParamSpec
      return [name, initTensor(name.split('.').reduce(foldIn, k), s.shape, s.init, s.fanIn, s.fanOut)]
    }),
  ) as Params<P>

/** A ShapeError for a layer (runtime twin of the type-level `ShapeErr`). */
export const layerError = (kind: string, detail: string, ...shapes: RShape[]): E.Either<ShapeError, never> =>
  E.left(new ShapeError(kind, detail, shapes))

export type { Tensor }
