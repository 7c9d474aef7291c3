/** Why a graph cannot become an ONNX file. */
import type { Node } from '../../dsl/node.js'

/**
 * An export failure: an op with no ONNX form (loss, metric, gradient primitive), a missing or misshaped
 * parameter, a graph that is not one float32 input to one float32 output, or a failed write. `node`
 * names the IR node at fault when there is one.
 *
 * @example
 * new ExportError('cannot export op reluGrad: a gradient primitive').message
 * // 'cannot export op reluGrad: a gradient primitive'
 */
export class ExportError extends Error {
  readonly _tag = 'ExportError' as const
  constructor(
    message: string,
    readonly node?: Node,
  ) {
    super(message)
    this.name = 'ExportError'
  }
}
