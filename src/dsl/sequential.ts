/**
 * `sequential(inputShape, ...layers)`: a model as a checked chain of layers. The types check every
 * layer against the shape that reaches it and report a mismatch on that layer's argument, with the
 * same text the runtime rule raises; the model's type records its input and output shapes and its
 * typed parameter tree (`params[0].weight: Tensor<[6, 1, 5, 5]>`).
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Apply } from '../types/fn.js'
import type { AnyShapeErr, Shape } from '../types/shape.js'
import { type Expr, expr, input as inputExpr } from './expr.js'
import { type AnyLayer, type FnOf, type Params, type ShapesOf, applyNode, initLayer, paramLeaves } from './layer.js'
import { type Key, foldIn } from './random.js'
import { insideScope, placeName } from './scope.js'
import { type RShape, ShapeError } from './shape.js'
import { numel } from './tensor.js'

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

/** A checked chain of layers from input shape `In` to output shape `O`, with layers `L`. */
export interface Sequential<In extends Shape, O, L extends readonly unknown[]> {
  readonly inputShape: In
  readonly layers: L
  /** Phantom: the output shape (hover it in the editor). */
  readonly _out?: O
  /** Builds the model's expression tree on `x`; parameter leaves are named `<index>.<param>`. */
  (x: Expr<In>): O extends Shape ? Expr<O, 'float32'> : O
  /** Draws all parameters from `key` (layer i uses `foldIn(key, String(i))`). */
  init(key: Key): ChainParams<L>
  /** The runtime shape of every layer's output for input `shape`, or the first ShapeError. */
  summary(shape?: RShape): E.Either<ShapeError, readonly SummaryRow[]>
}

/**
 * A model as a chain of layers over inputs of shape `inputShape`.
 *
 * @example
 * const mlp = sequential(['N', 784], linear(784, 256), relu(), linear(256, 10))
 * const y = mlp(input('x', ['N', 784]))          // Expr<readonly ['N', 10]>
 * const params = mlp.init(key(0))                 // params[0].weight: Tensor<readonly [256, 784]>
 */
export const sequential = <const In extends Shape, const L extends readonly unknown[]>(
  inputShape: In,
  ...layers: CheckChain<In, L>
): Sequential<In, ChainOut<In, L>, L> => {
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
  const init = (k: Key) => ls.map((l, i) => initLayer(l, foldIn(k, String(i)))) as unknown as ChainParams<L>
  return Object.assign(call, { inputShape, layers: ls, init, summary }) as unknown as Sequential<In, ChainOut<In, L>, L>
}

/** Builds a sequential model on a fresh input named `name` (default 'x'). */
export const applyToInput = <In extends Shape, O, L extends readonly unknown[]>(model: Sequential<In, O, L>, name = 'x') =>
  model(inputExpr(name, model.inputShape))
