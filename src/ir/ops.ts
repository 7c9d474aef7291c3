/**
 * The op vocabulary of the IR: `OpAttrs` maps every op name to its attributes, so `Op = keyof OpAttrs`.
 *
 * This file declares only the leaves (graph inputs, parameters, constants), which the IR core itself
 * knows about. Every other op is declared by its own module in src/ops, by module augmentation:
 *
 *   declare module '../ir/ops.js' {
 *     interface OpAttrs { gelu: None; geluGrad: None }
 *   }
 *
 * so adding an op does not touch this file. The op table in src/ops/index.ts is checked against
 * `keyof OpAttrs` both ways (every op has an implementation, every implementation is an op).
 */

/** Element types of IR values. @example const d: DType = 'int32' */
export type DType = 'float32' | 'int32'

/** Parameter initializers (fan-in/fan-out come from the parameter's shape; 'normal' is N(0, 1), as nn.Embedding). @example const i: Initializer = 'kaimingUniform' */
export type Initializer =
  | 'xavierUniform'
  | 'xavierNormal'
  | 'kaimingUniform'
  | 'kaimingNormal'
  | 'torchDefault'
  | 'zeros'
  | 'ones'
  | 'normal'

/** The attributes of an op that has none. @example const attrs: None = {} */
export type None = Readonly<Record<never, never>>

/** Attributes of each op. The keys of this interface (with the op modules' augmentations) are the ops. @example const a: OpAttrs['fill'] = { value: 1 } */
export interface OpAttrs {
  /** A named graph input (data). */
  input: { readonly name: string; readonly dtype: DType }
  /**
   * A named parameter, with the initializer `init` uses. `trainable: false` marks a buffer (model state
   * that is not differentiated nor touched by the optimizer, e.g. batch norm's running statistics);
   * absent means trainable.
   */
  param: { readonly name: string; readonly init: Initializer; readonly fanIn: number; readonly fanOut: number; readonly trainable?: false }
  /** A tensor filled with one value. */
  fill: { readonly value: number }
}

/** Every primitive op name. @example const o: Op = 'conv2d' */
export type Op = keyof OpAttrs
