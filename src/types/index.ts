/** Type-level shapes: arithmetic, shape functions and the ShapeErr texts. */
export type * from './arith.js'
export type { Dim, Shape, ShapeErr, AnyShapeErr, ShowShape, IsSize, IsUnknown, DimsAgree } from './shape.js'
export type { ShapeFn, Apply, ApplyAll, IdentityFn, In } from './fn.js'
export type { Conv2dFn, PoolFn, PadSpec, IsTuple } from './rules/conv2d.js'
export type { LinearFn, FlattenFn, ReshapeFn, DimProduct } from './rules/dense.js'
export type { Broadcast, AxisFn, BatchNorm2dFn, CrossEntropyOut } from './rules/misc.js'
export type { Pair, ToPair, WindowOut, SameOut } from './rules/window.js'
export type { DataFit, ExampleOf } from './rules/data.js'
