/**
 * Why a graph cannot become an ONNX file: `ExportError`, defined with the export rules every op module
 * states (src/ops/shared/onnx.ts), re-exported here for the export API.
 *
 * @example
 * new ExportError('cannot export op reluGrad: a gradient primitive').message
 */
export { ExportError } from '../../ops/shared/onnx.js'
