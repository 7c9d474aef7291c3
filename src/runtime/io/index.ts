/**
 * Model files: the safetensors format and the typegrad model file built on it (the storage under
 * `save`/`load`). The format is documented at the top of ./modelFile.ts.
 *
 * @example
 * import { saveModelFile, loadModelFile } from './io/index.js'
 * await saveModelFile('lenet.safetensors', params, slots)()
 * const back = await loadModelFile('lenet.safetensors', slots)() // Right(params)
 */
export { type FormatError, type ModelFileError, type ModelFileErrorKind, formatError, modelFileError } from './errors.js'
export {
  type Dtype,
  type TensorEntry,
  type Safetensors,
  MAX_HEADER_BYTES,
  METADATA_KEY,
  encodeSafetensors,
  encodeSafetensorsEntries,
  decodeSafetensors,
  tensorBytes,
} from './safetensors.js'
export {
  type ParamSlot,
  type ModelFile,
  type ReadOps,
  MODEL_FILE_FORMAT,
  MODEL_FILE_VERSION,
  RESERVED_METADATA,
  nodeReadOps,
  fingerprintOf,
  encodeModelFile,
  decodeModelFile,
  matchModel,
  saveModelFile,
  loadModelFile,
} from './modelFile.js'
