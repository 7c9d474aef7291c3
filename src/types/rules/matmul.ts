/** Type-level rule of matmul (the batchMatMul op). Runtime twin: src/ops/batchMatMul.ts. */
import type { Dim, DimsAgree, Shape, ShapeErr, ShowShape } from '../shape.js'
import type { IsTuple } from './conv2d.js'
import type { Broadcast } from './misc.js'

type RankErr<A extends Shape, B extends Shape> = ShapeErr<`matmul expects operands of rank 2 or more but got ${ShowShape<A>} and ${ShowShape<B>}`>

/** [...Lead, M, N] when the batch dims broadcast to `Lead`, else their error. */
type WithLead<L, M, N> = L extends Shape ? readonly [...L, M, N] : L

/**
 * numpy's matmul: [...A, M, K] x [...B, K, N] -> [...broadcast(A, B), M, N].
 *
 * @example
 * type O = MatmulOut<['N', 8, 16, 64], [64, 32]> // readonly ['N', 8, 16, 32]
 * type E = MatmulOut<['N', 3, 4], [5, 2]>        // 'ShapeError: matmul inner dims differ: [N, 3, 4] x [5, 2] (4 vs 5)'
 */
export type MatmulOut<A extends Shape, B extends Shape> =
  IsTuple<A> extends true
    ? IsTuple<B> extends true
      ? A extends readonly [...infer LA extends Shape, infer M, infer K]
        ? B extends readonly [...infer LB extends Shape, infer K2, infer N]
          ? DimsAgree<K, K2> extends true
            ? WithLead<Broadcast<LA, LB, 'matmul'>, M, N>
            : ShapeErr<`matmul inner dims differ: ${ShowShape<A>} x ${ShowShape<B>} (${K & Dim} vs ${K2 & Dim})`>
          : RankErr<A, B>
        : RankErr<A, B>
      : Shape
    : Shape
