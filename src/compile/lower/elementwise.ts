/** Lowering of the elementwise ops: one tfjs op each, the same as the reference interpreter's. */
import type { BinaryOp, UnaryOp } from '../../dsl/ops.js'
import { elementwiseOps } from '../interpret/elementwise.js'
import type { Lowering } from './common.js'

/** The lowerings of the elementwise unary and binary ops. */
export const elementwiseLowerings = elementwiseOps satisfies { [O in UnaryOp | BinaryOp]: Lowering<O> }
