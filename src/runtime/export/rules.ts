/**
 * The ONNX export rule of every op: a view of the op table (each op's module states its `onnx` rule, so
 * adding an op without deciding how it exports is a compile error). Ops that never appear in an
 * inference graph (losses, metrics, gradient primitives, training statistics) have rules that fail with
 * the reason.
 *
 * @example
 * onnxRules.relu(['x'], {}, cx) // Right('relu_3'): one Relu node x -> relu_3
 * onnxRules.reluGrad(['y', 'dy'], {}, cx) // Left(ExportError 'cannot export op reluGrad (node #9): a gradient primitive, ...')
 */
import { stage } from '../../ops/index.js'

export type { EmitContext, OnnxEmitter, OnnxRule } from '../../ops/shared/onnx.js'

/** How each op exports: `onnxRules[node.op](inputValueNames, node.attrs, { node, b, params })`. @example onnxRules.relu(['x'], {}, cx) */
export const onnxRules = stage('onnx')
