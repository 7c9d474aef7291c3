/**
 * `sequential(inputShape, ...layers)`: a model as a checked chain of layers. The types check every
 * layer against the shape that reaches it and report a mismatch on that layer's argument, with the
 * same text the runtime rule raises; the model's type records its input and output shapes only, so it
 * reads `Sequential<readonly ["N", 1, 28, 28], readonly ["N", 10]>` (the layers' typed parameter tree is
 * `ChainParams<typeof layers>`), and is the ShapeError text itself when a layer does not fit.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Apply } from '../types/fn.js'
import type { AnyShapeErr, Shape } from '../types/shape.js'
import { type Expr, expr, input as inputExpr } from './expr.js'
import { type AnyLayer, type FnOf, type Params, type ShapesOf, applyNode, initLayer, paramLeaves } from './layer.js'
import { type Key, foldIn } from './random.js'
import { insideScope, placeName } from './scope.js'
import { type RShape, ShapeError } from './shape.js'
import { type Tensor, numel } from './tensor.js'
import type { Model } from './model.js'

/** The output shape of each layer of a chain, in order. */
type Outs<S, L extends readonly unknown[], Acc extends readonly unknown[] = []> = L extends readonly [infer H, ...infer T]
  ? Outs<Apply<FnOf<H>, S>, T, [...Acc, Apply<FnOf<H>, S>]>
  : Acc

type At<T extends readonly unknown[], K> = K extends keyof T ? T[K] : never
/** The error to report at layer K: its own failure, not one propagated from an earlier layer. */
type Blame<S, K, O extends readonly unknown[]> =
  At<O, K> extends AnyShapeErr ? (At<[S, ...O], K> extends AnyShapeErr ? false : At<O, K>) : false

/**
 * Each layer, or, in the place of the first layer that does not fit, the error text it is not assignable to.
 * (`L[K]` must appear literally in the template so TypeScript can infer `L` through this mapped type.)
 */
export type CheckChain<S, L extends readonly unknown[]> = {
  [K in keyof L]: Blame<S, K, Outs<S, NoInfer<L>>> extends infer E extends AnyShapeErr ? E : L[K]
}

/** The output shape of a chain. */
export type ChainOut<S, L extends readonly unknown[]> = L extends readonly [infer H, ...infer T] ? ChainOut<Apply<FnOf<H>, S>, T> : S

/** The typed parameter tree of a chain: one entry per layer (empty for parameter-free layers). */
export type ChainParams<L extends readonly unknown[]> = { readonly [K in keyof L]: Params<ShapesOf<L[K]>> }

/** One row of a model summary. */
export interface SummaryRow {
  readonly index: number
  readonly kind: string
  readonly describe: string
  readonly outShape: RShape
  readonly params: number
}

/** One layer's parameters in a sequential's tree: host tensors by parameter name (`weight`, `bias`, `0.weight` in a combinator). */
export interface LayerTensors {
  readonly [name: string]: Tensor
}

/**
 * A checked chain of layers from input shape `In` to output shape `O`. Its type names only the two shapes,
 * so an editor's hover reads `Sequential<readonly ["N", 1, 28, 28], readonly ["N", 10]>`; the layers are in
 * `layers` and their typed parameters in `ChainParams<typeof layers>`.
 */
export interface Sequential<In extends Shape, O extends Shape> extends Model<In, O, readonly LayerTensors[]> {
  readonly layers: readonly AnyLayer[]
  /** Phantom: the output shape. */
  readonly _out?: O
  /** Draws all parameters from `key` (layer i uses `foldIn(key, String(i))`): one record per layer, `[]` entries `{}`. */
  init(key: Key): readonly LayerTensors[]
  /** The runtime shape of every layer's output for input `shape`, or the first ShapeError. */
  summary(shape?: RShape): E.Either<ShapeError, readonly SummaryRow[]>
}

/** The model a chain makes, or the chain's shape error itself (reported on the layer that does not fit). */
export type SequentialOf<In extends Shape, O> = O extends AnyShapeErr ? O : O extends infer OS extends Shape ? Sequential<In, OS> : never

/**
 * A model as a chain of layers over inputs of shape `inputShape`.
 *
 * @example
 * const mlp = sequential(['N', 784], linear(784, 256), relu(), linear(256, 10))
 * const y = mlp(input('x', ['N', 784]))          // Expr<readonly ['N', 10]>
 * const params = mlp.init(key(0))                 // params[0].weight: Tensor (typed: ChainParams<[Linear<784, 256>, ...]>)
 */
export const sequential = <const In extends Shape, const L extends readonly unknown[]>(
  inputShape: In,
  ...layers: CheckChain<In, L>
): SequentialOf<In, ChainOut<In, L>> => {
  const ls = layers as unknown as readonly AnyLayer[]
  const call = (x: Expr<In>) => {
    // inside another model this chain is one of its layers: its leaves nest under its own place name
    const prefix = insideScope() ? `${placeName(call, 'Sequential')}.` : ''
    let node = x.node
    ls.forEach((l, i) => {
      node = applyNode(l, node, paramLeaves(l, `${prefix}${i}`), `${prefix}${i}`)
    })
    return expr(node)
  }
  const summary = (shape: RShape = inputShape): E.Either<ShapeError, readonly SummaryRow[]> => {
    const rows: SummaryRow[] = []
    let s = shape
    for (const [i, l] of ls.entries()) {
      const r = l.outShape(s)
      if (E.isLeft(r)) return r
      s = r.right
      // trainable parameters only (buffers such as running statistics are state, as in PyTorch's summaries)
      const count = Object.values(l.params).reduce((a: number, p) => {
        const spec = p as { shape: RShape; trainable?: false }
        return spec.trainable === false ? a : a + numel(spec.shape)
      }, 0)
      rows.push({ index: i, kind: l.kind, describe: l.describe, outShape: s, params: count })
    }
    return E.right(rows)
  }
  const init = (k: Key): readonly LayerTensors[] => ls.map((l, i) => initLayer(l, foldIn(k, String(i))))
  return Object.assign(call, { inputShape, layers: ls, init, summary }) as unknown as SequentialOf<In, ChainOut<In, L>>
}

/** Builds a sequential model on a fresh input named `name` (default 'x'). */
export const applyToInput = <In extends Shape, O extends Shape>(model: Sequential<In, O>, name = 'x'): Expr<O> =>
  model(inputExpr(name, model.inputShape)) as Expr<O>
