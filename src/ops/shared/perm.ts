/** Small helpers on axis permutations shared by the layout rules and the simplifier. */
import type { Dim, RShape } from '../../ir/shape.js'

/** `[0, 1, ..., rank - 1]`. @example identityPerm(3) // [0, 1, 2] */
export const identityPerm = (rank: number): number[] => Array.from({ length: rank }, (_, i) => i)

/** Whether `p` keeps every axis in place. @example isIdentityPerm([0, 1]) // true */
export const isIdentityPerm = (p: readonly number[]): boolean => p.every((a, i) => a === i)

/** The inverse permutation: `invertPerm(p)[p[i]] === i`. @example invertPerm([0, 2, 3, 1]) // [0, 3, 1, 2] */
export const invertPerm = (p: readonly number[]): number[] => {
  const inv = new Array<number>(p.length)
  p.forEach((a, i) => (inv[a] = i))
  return inv
}

/**
 * The single permutation equal to transposing by `first` and then by `second`
 * (transpose(transpose(x, first), second) = transpose(x, composePerm(first, second))).
 * @example composePerm([1, 0], [1, 0]) // [0, 1]
 */
export const composePerm = (first: readonly number[], second: readonly number[]): number[] => second.map((j) => first[j]!)

/** The shape of `transpose(x, p)` for x of shape `s`. @example permuteShape(['N', 1, 28, 28], [0, 2, 3, 1]) // ['N', 28, 28, 1] */
export const permuteShape = (s: RShape, p: readonly number[]): Dim[] => p.map((a) => s[a]!)

/** NCHW -> NHWC as a transpose permutation (`transpose(x_nchw, toNhwcPerm)` is NHWC). @example permuteShape(s, toNhwcPerm) */
export const toNhwcPerm: readonly number[] = [0, 2, 3, 1]
/** OIHW -> HWIO (conv filters in tfjs's layout). @example permuteShape(w, toHwioPerm) */
export const toHwioPerm: readonly number[] = [2, 3, 1, 0]

/**
 * Whether transposing `s` by `p` only moves size-1 dims, i.e. the other dims keep their order,
 * so the transpose is a reshape.
 * @example movesOnlyUnitDims([2, 1, 3], [1, 0, 2]) // true
 */
export const movesOnlyUnitDims = (s: RShape, p: readonly number[]): boolean => {
  const kept = p.filter((a) => s[a] !== 1)
  return kept.every((a, i) => i === 0 || a > kept[i - 1]!)
}
