/**
 * Runtime shapes, as the DSL exposes them (defined in the IR core, src/ir/shape.ts, which op modules
 * build on).
 *
 * @example
 * showShape(['N', 1, 28, 28]) // '[N, 1, 28, 28]'
 */
export * from '../ir/shape.js'
