/**
 * The IR node as the DSL and everything above it use it: src/ir/node.ts with every op's rules loaded
 * (importing this module loads the op table, src/ops/index.ts, which installs the shape rules `mk` runs).
 *
 * @example
 * const x = mk('input', [], { name: 'x', dtype: 'float32' }, ['N', 3])
 * mk('sigmoid', [x], {}).shape // ['N', 3]
 */
import '../ops/index.js'
import { ShapeError } from '../ir/shape.js'

export { type Node, type ShapeRule, inferNode, isOp, mk, topo } from '../ir/node.js'

/** Whether a value is a ShapeError raised by `mk`. @example isShapeError(new ShapeError('x', 'bad')) // true */
export const isShapeError = (e: unknown): e is ShapeError => e instanceof ShapeError
