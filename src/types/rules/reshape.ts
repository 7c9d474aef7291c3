/**
 * Type-level reshape: one -1 in the target is inferred, also for inputs with symbolic dims, whose names cancel
 * against the target's. The twin of src/ops/reshape.ts's `reshapeShape`, with its ShapeError texts.
 *
 * Generic code: every test on a dim takes a branch TypeScript can prove for a dim that is a type parameter
 * `N extends string` (see src/types/shape.ts), so `<N extends string>(x: Expr<readonly [N, 4, 8]>) =>
 * F.reshape(x, [-1, 32])` is `Expr<readonly [N, 32]>` inside the function, not a deferred type. A target
 * name is cancelled by comparing it with X's names in order, and TypeScript cannot tell two type parameters
 * (or a type parameter and a literal name) apart: `<N, M>` with [N, M, 4] to [M, -1] defers (an error
 * inside the generic function; resolved at the call site), while [N, -1], [N, M, -1] and [-1, 4] resolve.
 */
import type { Eq, FloorDiv, Mul, Product } from '../arith.js'
import type { In, ShapeFn } from '../fn.js'
import type { Dim, IsSize, Shape, ShapeErr, ShowShape } from '../shape.js'

/**
 * A dim, classified: a size, a name with no '*' (also a type parameter), a product `A*B` split at its first
 * '*', or unknown (`number`). A type parameter N takes the `Name` branch: it satisfies `infer Name extends
 * string` while `A` gets no inference and falls back to its constraint `string | -1`, which the second test
 * tells apart from an inferred factor. (`D extends `${infer A}*${infer B}`` would defer for a type parameter.)
 */
type Kind<D> =
  IsSize<D> extends true
    ? { readonly size: D }
    : { readonly d: D } extends { readonly d: `${infer A extends string | -1}*${infer B}` | (infer Name extends string) }
      ? { readonly a: A } extends { readonly a: infer A2 extends string }
        ? { readonly product: [A2, B] }
        : { readonly name: Name }
      : 'unknown'

/**
 * A factor of a symbolic product: `'4'` is the size 4, anything else a name. K is a literal for a numeral,
 * `number` for another literal and `never` for a type parameter (which takes the `S` branch, as in `Kind`).
 */
type Factor<F> = { readonly f: F } extends { readonly f: `${infer K extends number}` | (infer S extends string) }
  ? { readonly k: K } extends { readonly k: never }
    ? S
    : number extends K
      ? S
      : K
  : F

/**
 * The factors of a shape: its known sizes and its names, in order (products such as 'N*4' split, the
 * target's -1s skipped and counted), or 'unknown' when a dim is `number`.
 *
 * @example
 * type F = Factors<['N', 4, '2*M']> // { sizes: [4, 2]; names: ['N', 'M']; holes: 0 }
 */
type Factors<S extends readonly unknown[], K extends number[] = [], Ns extends string[] = [], H extends 0[] = []> = S extends readonly [infer D, ...infer R]
  ? Kind<D> extends infer C
    ? C extends { readonly size: infer N extends number }
      ? [N] extends [-1]
        ? Factors<R, K, Ns, [...H, 0]>
        : Factors<R, [...K, N], Ns, H>
      : C extends { readonly name: infer N extends string }
        ? Factors<R, K, [...Ns, N], H>
        : // A unconstrained, so that Factor<A> is not resolved once for all A when this alias is declared
          C extends { readonly product: [infer A, infer B] }
          ? Factors<readonly [Factor<A>, B, ...R], K, Ns, H>
          : 'unknown'
    : never
  : S extends readonly []
    ? { readonly sizes: K; readonly names: Ns; readonly holes: H['length'] }
    : 'unknown'

/**
 * L without the first occurrence of X, or 'missing'. Names compare as templates: a factor split off a product
 * made in generic code is `${N}`, the same name as N.
 */
type Without<L extends string[], X extends string, Pre extends string[] = []> = L extends [infer H extends string, ...infer R extends string[]]
  ? { readonly a: `${H}`; readonly b: `${X}` } extends { readonly a: `${X}`; readonly b: `${H}` }
    ? [...Pre, ...R]
    : Without<R, X, [...Pre, H]>
  : 'missing'

/** The names of L left after cancelling those of T, or 'missing' when T has a name L does not. */
type Cancel<L extends string[], T extends string[]> = T extends [infer H extends string, ...infer R extends string[]]
  ? Without<L, H> extends infer W extends string[]
    ? Cancel<W, R>
    : 'missing'
  : L

type StarJoin<L extends string[]> = L extends [infer H extends string]
  ? H
  : L extends [infer H extends string, ...infer R extends string[]]
    ? `${H}*${StarJoin<R>}`
    : ''

/** A product as the runtime spells it (`dimProduct`, `reshapeShape`): the known factor first unless 1, then the names. */
type Spell<K extends number, Ns extends string[]> = Ns extends [] ? K : K extends 1 ? StarJoin<Ns> : `${K}*${StarJoin<Ns>}`

/** The element count of X as `dimProduct` writes it in errors: known dims multiplied, symbolic dims as written. */
type Count<X extends Shape, K extends number[] = [], Ns extends string[] = []> = X extends readonly [infer D, ...infer R extends Shape]
  ? IsSize<D> extends true
    ? Count<R, [...K, D & number], Ns>
    : { readonly d: D } extends { readonly d: infer N extends string }
      ? Count<R, K, [...Ns, N]>
      : number
  : Spell<Product<K>, Ns>

/** T with its -1 replaced by V. */
type Fill<T extends Shape, V extends Dim, Acc extends Shape = readonly []> = T extends readonly [infer D extends Dim, ...infer R extends Shape]
  ? Fill<R, V, readonly [...Acc, IsSize<D> extends true ? ([D] extends [-1] ? V : D) : D]>
  : T extends readonly []
    ? Acc
    : T

type CannotTurn<X extends Shape, T extends Shape> = ShapeErr<`reshape cannot turn ${ShowShape<X>} (${Count<X>} elements) into ${ShowShape<T>}`>

/** The product of some sizes; one size or none without the digit arithmetic. */
type Prod<L extends number[]> = L extends [] ? 1 : L extends [infer A extends number] ? A : Product<L>

/** XS and TS with the sizes they share removed (each once): [XS', TS']. Equal sizes need no division. */
type CancelSizes<XS extends number[], TS extends number[], Keep extends number[] = []> = TS extends [infer H extends number, ...infer R extends number[]]
  ? WithoutSize<XS, H> extends infer W extends number[]
    ? CancelSizes<W, R, Keep>
    : CancelSizes<XS, R, [...Keep, H]>
  : [XS, Keep]
type WithoutSize<L extends number[], X extends number, Pre extends number[] = []> = L extends [infer H extends number, ...infer R extends number[]]
  ? [H] extends [X]
    ? [...Pre, ...R]
    : WithoutSize<R, X, [...Pre, H]>
  : 'missing'

/** XK / TK when TK divides XK, else 'no'; the common cases (TK 1, XK = TK) without the long division. */
type Quotient<XK extends number, TK extends number> = TK extends 1
  ? XK
  : [XK] extends [TK]
    ? 1
    : FloorDiv<XK, TK> extends infer Q extends number
      ? Eq<Mul<Q, TK>, XK> extends true
        ? Q
        : 'no'
      : 'no'

/**
 * The -1 of reshape(X, T): X's count with T's names cancelled, divided by T's known sizes, which must divide it
 * exactly (sizes both have cancel first; a 0 in T divides nothing, as at run time).
 */
type Hole<X extends Shape, T extends Shape, XS extends number[], XN extends string[], TS extends number[], TN extends string[]> =
  Cancel<XN, TN> extends infer Left extends string[]
    ? 0 extends TS[number]
      ? CannotTurn<X, T>
      : CancelSizes<XS, TS> extends [infer XR extends number[], infer TR extends number[]]
        ? Quotient<Prod<XR>, Prod<TR>> extends infer Q extends number
          ? Fill<T, Spell<Q, Left>>
          : CannotTurn<X, T>
        : never
    : CannotTurn<X, T>

/**
 * The shape reshape(T) gives X, or its ShapeErr (the twin of src/ops/reshape.ts's `reshapeShape`). One -1 is
 * inferred: X's element count with the names T shares cancelled, divided by T's known sizes. A `number` dim
 * leaves the -1 `number` (the runtime rule computes and checks it); so does a target without -1 whose
 * count has names (checked when the graph runs).
 *
 * @example
 * type A = ReshapeOut<['N', 4, 8], [-1, 32]> // readonly ['N', 32]
 * type B = ReshapeOut<['N', 4, 8], ['N', -1]> // readonly ['N', 32]
 * type C = ReshapeOut<['N', 4, 8], [-1, 8]> // readonly ['4*N', 8]
 * type D = ReshapeOut<['4*N', 8], ['N', -1]> // readonly ['N', 32]
 * type E = ReshapeOut<['N', 3, 5], [-1, 4]> // 'ShapeError: reshape cannot turn [N, 3, 5] (15*N elements) into [-1, 4]'
 */
export type ReshapeOut<X extends Shape, T extends Shape> =
  Factors<T> extends { readonly sizes: infer TS extends number[]; readonly names: infer TN extends string[]; readonly holes: infer H }
    ? H extends 0
      ? Factors<X> extends { readonly sizes: infer XS extends number[]; readonly names: [] }
        ? TN extends []
          ? CancelSizes<XS, TS> extends [[], []]
            ? T
            : [Prod<XS>, Prod<TS>] extends [infer XK extends number, infer TK extends number]
              ? Eq<XK, TK> extends true
                ? T
                : ShapeErr<`reshape cannot turn ${ShowShape<X>} (${XK} elements) into ${ShowShape<T>} (${TK} elements)`>
              : never
          : T
        : T
      : H extends 1
        ? Factors<X> extends { readonly sizes: infer XS extends number[]; readonly names: infer XN extends string[] }
          ? Hole<X, T, XS, XN, TS, TN>
          : Fill<T, number>
        : ShapeErr<`reshape target ${ShowShape<T>} has more than one -1`>
    : // a `number` in the target: its size, and the -1, are the runtime's
      Fill<T, number>

/**
 * reshape(T) as a layer's shape function.
 *
 * @example
 * type O = Apply<ReshapeFn<[-1, 400]>, [256, 16, 5, 5]> // readonly [256, 400]
 */
export interface ReshapeFn<T extends Shape> extends ShapeFn {
  readonly out: ReshapeOut<In<this>, T>
}
