/** Type-level rule of the embedding lookup (rows of a [V, D] table gathered by int32 indices). */
import type { IsTuple } from './conv2d.js'
import type { Shape, ShapeErr, ShowShape } from '../shape.js'

/**
 * embedding(table [V, D], indices I): the indices' shape with the row dim appended, `[...I, D]`; a table
 * that is not 2-D is a ShapeErr (the same text as the runtime rule).
 *
 * @example
 * type O = EmbeddingOut<[10, 32], ['N', 8]> // readonly ['N', 8, 32]
 * type E = EmbeddingOut<[10], ['N']>        // 'ShapeError: embedding expects a table [V, D] but got [10]'
 */
export type EmbeddingOut<T extends Shape, I extends Shape> = T extends readonly [infer _V, infer D]
  ? readonly [...I, D]
  : IsTuple<T> extends true
    ? ShapeErr<`embedding expects a table [V, D] but got ${ShowShape<T>}`>
    : Shape
