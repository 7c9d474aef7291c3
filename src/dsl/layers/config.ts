/** Layer configuration helpers shared by conv and pooling layers, in types and at run time. */
import type { IsLiteralInt, Product } from '../../types/arith.js'
import type { PadSpec } from '../../types/rules/conv2d.js'
import type { Pair, ToPair } from '../../types/rules/window.js'
import type { ShapeErr } from '../../types/shape.js'
import type { Pad4 } from '../ops.js'
import { type Dim, isKnown } from '../shape.js'

/** A size or a [height, width] pair, as PyTorch takes it. */
export type Size2 = number | readonly [number, number]

/** Padding: symmetric size(s), or 'same' (output = ceil(input / stride)), or 'valid' (0). */
export type Padding = Size2 | 'same' | 'valid'

/** The type-level padding spec of a config value. */
export type PadOf<P> = P extends 'same' ? 'same' : P extends 'valid' ? [0, 0] : ToPair<P, 0>

/** A literal-only number parameter: `number` becomes a readable error at the call site. */
export type Lit<N extends number, What extends string> = IsLiteralInt<N> extends true
  ? N
  : ShapeErr<`${What} must be a number literal, not \`number\` (write mul(16, 5, 5), not 16 * 5 * 5)`>

/** Runtime twin of `ToPair`. */
export const toPair = (v: Size2 | undefined, def: number): Pair => (v === undefined ? [def, def] : typeof v === 'number' ? [v, v] : [v[0], v[1]])

/**
 * Explicit [top, bottom, left, right] padding for an input of height/width `h`, `w`; 'same' follows
 * TensorFlow (total = max((out - 1) * stride + span - size, 0), the extra pixel at the bottom/right).
 */
export const pad4 = (p: Padding | undefined, k: Pair, s: Pair, d: Pair, h: Dim, w: Dim): Pad4 => {
  if (p === 'same') {
    const one = (size: Dim, ki: number, si: number, di: number): [number, number] => {
      if (!isKnown(size)) throw new Error(`'same' padding needs a known input size, got '${size}'`)
      const out = Math.ceil(size / si)
      const total = Math.max((out - 1) * si + di * (ki - 1) + 1 - size, 0)
      return [Math.floor(total / 2), total - Math.floor(total / 2)]
    }
    return [...one(h, k[0], s[0], d[0]), ...one(w, k[1], s[1], d[1])]
  }
  const [ph, pw] = p === 'valid' ? [0, 0] : toPair(p, 0)
  return [ph, ph, pw, pw]
}

/** `(5, 5)` as PyTorch prints pairs. */
export const showPair = (p: Pair): string => `(${p[0]}, ${p[1]})`

/**
 * The product of size literals, as a literal type (`16 * 5 * 5` is just `number` to TypeScript).
 *
 * @example
 * const n = mul(16, 5, 5) // 400, of type 400
 */
export const mul = <const A extends readonly number[]>(...xs: A): Product<A> => xs.reduce((a, b) => a * b, 1) as Product<A>

export type { PadSpec, Pair }
