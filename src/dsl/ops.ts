/**
 * The op vocabulary as the DSL sees it: op names, their attributes and the attribute types layers build.
 * Declared in the IR core (src/ir/ops.ts) and by each op's module in src/ops (which augments `OpAttrs`);
 * re-exported here for the layers, the compiler and user code.
 *
 * @example
 * const attrs: OpAttrs['conv2d'] = { strides: [1, 1], pad: [2, 2, 2, 2], dilations: [1, 1], layout: 'NCHW' }
 */
export type {
  Activation,
  BinaryOp,
  ConvAttrs,
  DType,
  Initializer,
  Layout,
  None,
  Op,
  OpAttrs,
  Pad4,
  Pair,
  PoolAttrs,
  ReduceAttrs,
  UnaryOp,
} from '../ops/index.js'
