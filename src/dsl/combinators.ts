/**
 * Combinators: layers built from layers. A block is a value (`const block = residual(chain(conv, bn, relu(), conv2, bn2))`)
 * whose type-level shape rule is the composition of its parts' rules (src/types/rules/compose.ts), so one
 * definition is checked at every place it is used, at any batch name and spatial size, and whose runtime
 * `outShape` composes its parts' runtime rules with the same texts.
 *
 * Naming: a combinator is one layer. Its parameters are its parts' parameters under the part's position,
 * `<position>.<param>` (`0.weight`, `3.gamma`, and `1.0.weight` for a part that is itself a combinator), so in a
 * `sequential` at index 4 a leaf is `4.1.0.weight`, and in a `model` body it is `chain0.1.0.weight` (or
 * `stage1.1.0.weight` for `.named('stage1')`), as PyTorch names `layer1.0.conv1.weight`. Parts keep no names of
 * their own (a `.named` part is still named by its position), and a layer object given at two positions gets
 * two sets of parameters, as in `sequential`; to share weights, call one layer twice in a `model` body.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { IdentityFn, ShapeFn } from '../types/fn.js'
import type { ChainFn, ConcatFn, ParallelFn, ResidualFn } from '../types/rules/compose.js'
import { type AnyLayer, type FnOf, type Layer, type LayerDef, type ParamShapes, type ParamSpec, type ShapesOf, applyNode, defineLayer, layerError } from './layer.js'
import { type Node, mk } from './node.js'
import { type RShape, type ShapeError, normAxis, showShape } from './shape.js'

/** The shape functions of a list of layers. */
export type FnsOf<L extends readonly unknown[]> = { readonly [K in keyof L]: FnOf<L[K]> }

/** `P` with its keys prefixed by `I.` (`{ weight }` at position 2 -> `{ '2.weight' }`). */
type Prefixed<P, I extends string> = { readonly [K in keyof P & string as `${I}.${K}`]: P[K] }
type Flatten<L extends readonly unknown[], Acc, I extends unknown[] = []> = L extends readonly [infer H, ...infer T]
  ? Flatten<T, Acc & Prefixed<ShapesOf<H>, `${I['length']}`>, [...I, 0]>
  : Acc
/** The parameter shapes of a combinator over parts `L`, keyed `<position>.<param>`. */
export type PartParams<L extends readonly unknown[]> = Flatten<L, unknown> extends infer P extends ParamShapes ? { readonly [K in keyof P]: P[K] } : ParamShapes

/** Parts' parameter specs under their positions. */
const partParams = (parts: readonly AnyLayer[]): Record<string, ParamSpec> =>
  Object.fromEntries(parts.flatMap((l, i) => Object.entries(l.params as Record<string, ParamSpec>).map(([k, spec]) => [`${i}.${k}`, spec])))

/** Applies part `i` to `x`, with the parameter nodes the combinator holds for it. */
const runPart = (parts: readonly AnyLayer[], params: Readonly<Record<string, Node>>, stream: string) => (i: number, x: Node): Node => {
  const part = parts[i]!
  const own = Object.fromEntries(Object.keys(part.params as object).map((k) => [k, params[`${i}.${k}`]!]))
  return applyNode(part, x, own, `${stream}.${i}`)
}

const composite = <F extends ShapeFn, P extends ParamShapes>(
  kind: string,
  describe: string,
  parts: readonly AnyLayer[],
  outShape: (x: RShape) => E.Either<ShapeError, RShape>,
  build: (x: Node, run: (i: number, x: Node) => Node) => Node,
): Layer<F, P> =>
  defineLayer<F, P>({
    kind,
    describe,
    params: partParams(parts) as unknown as LayerDef<P>['params'],
    outShape,
    build: (x, params, stream) => build(x, runPart(parts, params as Record<string, Node>, stream)),
  })

const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`

/** Whether two runtime shapes may be equal: the same rank and equal known sizes (the types' `ShapesAgree`). */
const shapesAgree = (a: RShape, b: RShape): boolean =>
  a.length === b.length && a.every((d, i) => typeof d !== 'number' || typeof b[i] !== 'number' || d === b[i])

/**
 * The identity layer: S -> S, no parameters (a branch of `parallel` or `concat` that passes its input on).
 * @example concat(1, identity(), denseLayer) // DenseNet: the input and the new features side by side
 */
export const identity = (): Layer<IdentityFn, Record<never, never>> =>
  defineLayer({ kind: 'Identity', describe: 'Identity()', params: {}, outShape: E.right, build: (x) => x })

/**
 * The layers one after another, as one layer: `chain(a, b, c)(x)` is `c(b(a(x)))`. Its shape rule is the
 * composition of theirs, checked wherever the chain is applied; an error is the failing part's own text.
 *
 * @example
 * const block = chain(conv2d(64, 64, { kernel: 3, padding: 1 }), batchNorm2d(64), relu())
 * sequential(['N', 64, 56, 56], block, block)   // two blocks (two sets of weights)
 */
export const chain = <const L extends readonly AnyLayer[]>(...layers: L): Layer<ChainFn<FnsOf<L>>, PartParams<L>> =>
  composite(
    'Chain',
    `Chain(${count(layers.length, 'layer', 'layers')})`,
    layers,
    (x) =>
      layers.reduce<E.Either<ShapeError, RShape>>((s, l) => (E.isLeft(s) ? s : l.outShape(s.right)), E.right(x)),
    (x, run) => layers.reduce((n, _, i) => run(i, n), x),
  )

/**
 * A residual connection: `block(x) + x`, or `block(x) + projection(x)` when the block changes the shape
 * (ResNet's downsampling shortcut). The block must keep the shape (or agree with the projection) at every
 * place the residual is applied; otherwise
 * `ShapeError: residual block changes the shape [N, 64, 56, 56] to [N, 128, 28, 28]; give residual a projection`.
 * Parameters: the block's under `0.`, the projection's under `1.`.
 *
 * @example
 * const basic = chain(residual(chain(conv3x3(64, 64), bn(64), relu(), conv3x3(64, 64), bn(64))), relu())
 * const down = residual(chain(conv3x3(64, 128, 2), ...), chain(conv2d(64, 128, { kernel: 1, stride: 2 }), bn(128)))
 */
export function residual<B extends AnyLayer>(block: B): Layer<ResidualFn<FnOf<B>>, PartParams<[B]>>
export function residual<B extends AnyLayer, P extends AnyLayer>(block: B, projection: P): Layer<ResidualFn<FnOf<B>, FnOf<P>>, PartParams<[B, P]>>
export function residual(block: AnyLayer, projection?: AnyLayer): AnyLayer {
  const parts = projection === undefined ? [block] : [block, projection]
  return composite(
    'Residual',
    `Residual(${block.describe}${projection === undefined ? '' : `, projection=${projection.describe}`})`,
    parts,
    (x) => {
      const out = block.outShape(x)
      if (E.isLeft(out)) return out
      const skip = projection === undefined ? E.right(x) : projection.outShape(x)
      if (E.isLeft(skip)) return skip
      if (shapesAgree(out.right, skip.right)) return out
      return projection === undefined
        ? layerError('residual', `residual block changes the shape ${showShape(x)} to ${showShape(out.right)}; give residual a projection`, x, out.right)
        : layerError('residual', `residual block gives ${showShape(out.right)} but its projection gives ${showShape(skip.right)}`, out.right, skip.right)
    },
    (x, run) => mk('add', [run(0, x), projection === undefined ? x : run(1, x)], {}),
  )
}

/** Every branch's output shape on input `x`, or the first branch's error. */
const branchShapes = (branches: readonly AnyLayer[], x: RShape): E.Either<ShapeError, RShape[]> => {
  const out: RShape[] = []
  for (const b of branches) {
    const r = b.outShape(x)
    if (E.isLeft(r)) return r
    out.push(r.right)
  }
  return E.right(out)
}

/**
 * Every branch on the same input, their outputs added (they must agree in shape): ResNeXt-style branches,
 * or `parallel(identity(), block)` for a residual. Parameters: branch i's under `i.`.
 *
 * @example
 * parallel(chain(conv2d(64, 64, { kernel: 3, padding: 1 }), relu()), conv2d(64, 64, { kernel: 1 }))
 */
export const parallel = <const L extends readonly [AnyLayer, ...AnyLayer[]]>(...branches: L): Layer<ParallelFn<FnsOf<L>>, PartParams<L>> =>
  composite(
    'Parallel',
    `Parallel(${count(branches.length, 'branch', 'branches')})`,
    branches,
    (x) =>
      E.flatMap(branchShapes(branches, x), (outs) => {
        const bad = outs.find((o) => !shapesAgree(outs[0]!, o))
        return bad === undefined
          ? E.right(outs[0]!)
          : layerError('parallel', `parallel branches give different shapes ${showShape(outs[0]!)} and ${showShape(bad)}`, outs[0]!, bad)
      }),
    (x, run) => branches.map((_, i) => run(i, x)).reduce((a, b): Node => mk('add', [a, b], {})),
  )

/**
 * Every branch on the same input, their outputs joined along `axis` (negative counts from the end): an
 * Inception module (`concat(1, b1x1, b3x3, b5x5, pool)`), or a DenseNet layer (`concat(1, identity(), f)`).
 * The outputs must agree on every other axis; the joined size is the sum of theirs. Parameters: branch i's
 * under `i.`.
 *
 * Runs as one `concat` op (src/ops/concat.ts) over the branches' outputs.
 *
 * @example
 * concat(1, conv2d(192, 64, { kernel: 1 }), conv2d(192, 32, { kernel: 3, padding: 1 })) // [N, 192, H, W] -> [N, 96, H, W]
 */
export const concat = <const A extends number, const L extends readonly [AnyLayer, ...AnyLayer[]]>(
  axis: A,
  ...branches: L
): Layer<ConcatFn<A, FnsOf<L>>, PartParams<L>> =>
  composite(
    'Concat',
    `Concat(dim=${axis}, ${count(branches.length, 'branch', 'branches')})`,
    branches,
    (x) => E.flatMap(branchShapes(branches, x), (outs) => concatShape(axis, outs)),
    (x, run) => mk('concat', branches.map((_, i) => run(i, x)), { axis }),
  )

/** The runtime twin of `ConcatFn`: the joined shape, or the same error texts. */
const concatShape = (axis: number, outs: readonly RShape[]): E.Either<ShapeError, RShape> => {
  const first = outs[0]!
  const a = normAxis(axis, first.length)
  if (a === undefined) return layerError('concat', `concat axis ${axis} out of range for ${showShape(first)}`, first)
  for (const o of outs.slice(1))
    if (o.length !== first.length || o.some((d, i) => i !== a && typeof d === 'number' && typeof first[i] === 'number' && d !== first[i]))
      return layerError('concat', `concat cannot join ${showShape(first)} and ${showShape(o)} along axis ${axis}`, first, o)
  const sizes = outs.map((o) => o[a]!)
  if (sizes.some((d) => typeof d === 'string'))
    return layerError('concat', `concat cannot join a symbolic size along axis ${axis} of ${showShape(first)}`, first)
  const size = (sizes as number[]).reduce((p, q) => p + q, 0)
  return E.right(first.map((d, i) => (i === a ? size : d)))
}
