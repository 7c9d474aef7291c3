/** Small helpers on shapes and axis permutations shared by the passes. */
import type { Dim, RShape } from '../../dsl/shape.js'

/** Whether two shapes are the same dims (symbolic dims compare by name). */
export const sameShape = (a: RShape, b: RShape): boolean => a.length === b.length && a.every((d, i) => d === b[i])

/** `[0, 1, ..., rank - 1]`. */
export const identityPerm = (rank: number): number[] => Array.from({ length: rank }, (_, i) => i)

/** Whether `p` keeps every axis in place. */
export const isIdentityPerm = (p: readonly number[]): boolean => p.every((a, i) => a === i)

/** The inverse permutation: `invertPerm(p)[p[i]] === i`. */
export const invertPerm = (p: readonly number[]): number[] => {
  const inv = new Array<number>(p.length)
  p.forEach((a, i) => (inv[a] = i))
  return inv
}

/**
 * The single permutation equal to transposing by `first` and then by `second`
 * (transpose(transpose(x, first), second) = transpose(x, composePerm(first, second))).
 */
export const composePerm = (first: readonly number[], second: readonly number[]): number[] => second.map((j) => first[j]!)

/** The shape of `transpose(x, p)` for x of shape `s`. */
export const permuteShape = (s: RShape, p: readonly number[]): Dim[] => p.map((a) => s[a]!)

/** NCHW -> NHWC as a transpose permutation (`transpose(x_nchw, toNhwc)` is NHWC). */
export const toNhwc: readonly number[] = [0, 2, 3, 1]
/** OIHW -> HWIO (conv filters in tfjs's layout). */
export const toHwio: readonly number[] = [2, 3, 1, 0]

/**
 * Whether transposing `s` by `p` only moves size-1 dims, i.e. the other dims keep their order,
 * so the transpose is a reshape.
 */
export const movesOnlyUnitDims = (s: RShape, p: readonly number[]): boolean => {
  const kept = p.filter((a) => s[a] !== 1)
  return kept.every((a, i) => i === 0 || a > kept[i - 1]!)
}
