/**
 * Typed failures of reading and writing model files. Every `message` is one line that names what is wrong,
 * so the CLI can print it as is.
 */

/**
 * Bytes that are not a valid safetensors file (or one this reader does not support).
 * @example formatError("tensor 'fc.bias': no dtype").message // "tensor 'fc.bias': no dtype"
 */
export interface FormatError {
  readonly _tag: 'FormatError'
  readonly message: string
}

/** @example formatError('header is not valid UTF-8') */
export const formatError = (message: string): FormatError => ({ _tag: 'FormatError', message })

/**
 * Why a model file could not be saved or loaded:
 * - `read` / `write`: the file system refused (missing file, permissions, disk full);
 * - `params`: the values to save do not fit the model (wrong names or shapes, NaN/Infinity);
 * - `corrupt`: not a valid safetensors file, or its parts contradict each other (truncated, edited);
 * - `checksum`: the tensor bytes differ from the ones that were saved;
 * - `format` / `version`: a safetensors file that is not a typegrad model, or one from a newer typegrad;
 * - `mismatch`: a valid model file saved from a model with other parameters.
 */
export type ModelFileErrorKind = 'read' | 'write' | 'params' | 'corrupt' | 'checksum' | 'format' | 'version' | 'mismatch'

/**
 * A failure to save or load a model file.
 * @example
 * modelFileError('checksum', 'out/model.safetensors', 'out/model.safetensors: checksum mismatch: ...')
 */
export interface ModelFileError {
  readonly _tag: 'ModelFileError'
  readonly kind: ModelFileErrorKind
  readonly path: string
  readonly message: string
}

/** @example modelFileError('read', 'm.safetensors', 'm.safetensors: no such file') */
export const modelFileError = (kind: ModelFileErrorKind, path: string, message: string): ModelFileError => ({
  _tag: 'ModelFileError',
  kind,
  path,
  message,
})

/**
 * A name as it appears in a one-line message: quoted, control and line-separator characters escaped, long
 * names cut (a hostile file may hold any string).
 * @example quoteName('0.weight') // "'0.weight'"
 */
export const quoteName = (name: string, max = 80): string => {
  const escaped = name.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
  return `'${escaped.length > max ? `${escaped.slice(0, max - 1)}…` : escaped}'`
}

/** @example showShape([6, 1, 5, 5]) // '[6, 1, 5, 5]' */
export const showShape = (shape: readonly (number | string)[]): string => `[${shape.join(', ')}]`
