/** The Embedding layer (PyTorch's nn.Embedding: a learned [vocab, dim] table read by int32 indices). */
import * as E from 'fp-ts/lib/Either.js'
import type { ShapeFn } from '../../types/fn.js'
import type { Shape } from '../../types/shape.js'
import type { Expr } from '../expr.js'
import { type Layer, defineLayer } from '../layer.js'
import { mk } from '../node.js'
import type { Initializer } from '../ops.js'
import type { Lit } from './config.js'

/** Embedding options. */
export interface EmbeddingConfig {
  /** Weight initializer (default 'normal', N(0, 1), as nn.Embedding). */
  readonly init?: Initializer
}

/** embedding(V, D)'s shape function: [...I] -> [...I, D]. */
export interface EmbeddingFn<D extends number> extends ShapeFn {
  readonly out: this['in'] extends infer S extends Shape ? readonly [...S, D] : never
}

/**
 * The layer type of embedding(V, D): a layer whose input is int32 indices (the float layers' call
 * signature is replaced), with parameter weight [V, D].
 */
export interface Embedding<V extends number, D extends number> extends Omit<Layer<EmbeddingFn<D>, { readonly weight: readonly [V, D] }>, 'named'> {
  <S extends Shape>(indices: Expr<S, 'int32'>): Expr<readonly [...S, D], 'float32'>
  /** A copy whose parameter leaf is named `<name>.weight`. */
  named(name: string): Embedding<V, D>
}

/**
 * A learned table of `vocab` rows of `dim` features, read by int32 indices: [...I] -> [...I, dim]. An index
 * outside 0..vocab-1 reads the nearest row (see F.embedding). Parameter: weight [vocab, dim].
 *
 * @example
 * const tok = embedding(10, 32)
 * tok(intInput('x', ['N', 8])) // Expr<readonly ['N', 8, 32]>
 */
export const embedding = <const V extends number, const D extends number>(
  vocab: Lit<V, 'embedding num_embeddings'>,
  dim: Lit<D, 'embedding embedding_dim'>,
  config?: EmbeddingConfig,
): Embedding<V, D> => {
  const [v, d] = [vocab as number, dim as number]
  return defineLayer({
    kind: 'Embedding',
    describe: `Embedding(${v}, ${d})`,
    params: { weight: { shape: [v, d] as const, init: config?.init ?? 'normal', fanIn: v, fanOut: d } },
    outShape: (x) => E.right([...x, d]),
    build: (x, p) => mk('embedding', [p.weight, x], {}),
  }) as unknown as Embedding<V, D>
}
