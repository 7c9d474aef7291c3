/** Model export: the inference graph of a model as an ONNX file. */
export { onnxModelProto, exportOnnx, DEFAULT_OPSET, type ExportOptions } from './onnx.js'
export { ExportError } from './errors.js'
export { onnxRules, type OnnxRule, type EmitContext, type OnnxEmitter } from './rules.js'
