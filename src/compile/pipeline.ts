/**
 * The optimization pipeline: named passes run in order over a graph's roots, with an optional trace of
 * the printed graph after each pass.
 */
import type { Node } from '../dsl/node.js'
import { cse } from './passes/cse.js'
import { dce } from './passes/dce.js'
import { fold } from './passes/fold.js'
import { type FusionOptions, fusion, tfjsFusion } from './passes/fusion.js'
import { layout } from './passes/layout.js'
import type { Pass } from './passes/rewrite.js'
import { simplify } from './passes/simplify.js'
import { printGraph } from './print.js'

/** The passes the pipeline knows. */
export type PassName = 'simplify' | 'fold' | 'layout' | 'fusion' | 'cse' | 'dce'

/**
 * The default order: clean up, assign NHWC layouts, clean up what the layout boundaries left (reshapes of
 * reshapes, transposes of fills), fuse, then merge duplicates and drop the dead.
 */
export const defaultPasses: readonly PassName[] = ['simplify', 'fold', 'layout', 'simplify', 'fold', 'fusion', 'cse', 'dce']

/** Options of {@link optimize}. */
export interface OptimizeOptions {
  /** The passes to run, in order (default {@link defaultPasses}). */
  readonly passes?: readonly PassName[]
  /** Called after each pass with its name and the printed graph. */
  readonly trace?: (name: PassName, printed: string) => void
  /** The activations the backend runs fused (default {@link tfjsFusion}). */
  readonly fusion?: FusionOptions
}

/** The pass function of each name. */
export const passByName = (name: PassName, options: OptimizeOptions = {}): Pass =>
  ({ simplify, fold, layout, fusion: fusion(options.fusion ?? tfjsFusion), cse, dce })[name]

/**
 * Runs the pipeline over `roots` and returns the optimized roots (same values, same shapes, in order).
 *
 * @example
 * const [out] = optimize([y.node], { trace: (name, g) => console.log(`after ${name}:\n${g}`) })
 */
export const optimize = (roots: readonly Node[], options: OptimizeOptions = {}): Node[] =>
  (options.passes ?? defaultPasses).reduce<Node[]>((current, name) => {
    const next = passByName(name, options)(current)
    options.trace?.(name, printGraph(next))
    return next
  }, [...roots])
