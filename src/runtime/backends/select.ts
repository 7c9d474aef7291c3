/**
 * Chooses and initialises the tfjs backend typegrad trains on.
 *
 * `auto` tries tensorflow-gpu, tensorflow, then wasm (see {@link AUTO_ORDER}); webgpu and cpu are
 * used only when asked for by name. Each backend module is imported lazily, so selecting wasm never
 * loads Dawn or libtensorflow. tfjs keeps one global engine: selecting again switches the active
 * backend (`tf.setBackend`), and tensors made on the previous backend stay there.
 */
import * as E from 'fp-ts/lib/Either.js'
import type * as TE from 'fp-ts/lib/TaskEither.js'
import {
  AUTO_ORDER,
  BACKEND_NAMES,
  backendUnavailable,
  describeError,
  noBackendAvailable,
  type BackendAttempt,
  type BackendChoice,
  type BackendError,
  type BackendInfo,
  type BackendName,
  type InitResult,
} from './types.js'
import { registerGradients } from './gradients.js'

/** Options for {@link selectBackend}. */
export interface SelectOptions {
  /** wasm worker threads; default: all cores. Ignored by the other backends. */
  readonly threads?: number
}

const initWasmBackend = async (opts: SelectOptions): Promise<InitResult> => {
  try {
    const { initWasm } = await import('./wasm.js')
    const { threads, simd } = await initWasm(opts.threads === undefined ? {} : { threads: opts.threads })
    const device = `wasm (${threads} thread${threads === 1 ? '' : 's'}${simd ? ', SIMD' : ''})`
    return { ok: true, info: { name: 'wasm', tfBackend: 'wasm', device, threads } }
  } catch (e) {
    return { ok: false, reason: `wasm backend failed to initialise: ${describeError(e)}` }
  }
}

const INIT: Record<BackendName, (opts: SelectOptions) => Promise<InitResult>> = {
  'tensorflow-gpu': async () => (await import('./tensorflow.js')).initTensorflow('gpu'),
  tensorflow: async () => (await import('./tensorflow.js')).initTensorflow('cpu'),
  webgpu: async () => (await import('./webgpu.js')).initWebGpu(),
  wasm: initWasmBackend,
  cpu: async () => (await import('./cpu.js')).initCpu(),
}

/** Why a backend cannot run here (`undefined`: it can), checked as cheaply as each allows. */
const UNAVAILABLE_REASON: Record<BackendName, () => Promise<string | undefined>> = {
  'tensorflow-gpu': async () => (await import('./tensorflow.js')).tensorflowUnavailableReason('gpu'),
  tensorflow: async () => (await import('./tensorflow.js')).tensorflowUnavailableReason('cpu'),
  webgpu: async () => (await import('./webgpu.js')).webgpuUnavailableReason(),
  // Both ship with typegrad as plain dependencies and need no hardware.
  wasm: async () => undefined,
  cpu: async () => undefined,
}

/**
 * The backends usable on this machine, fastest first. Probing tensorflow initialises it (and then
 * restores the active backend); probing webgpu looks for an adapter without creating a device.
 * @example await availableBackends() // ['webgpu', 'wasm', 'cpu'] on a CPU-only box with lavapipe
 */
export async function availableBackends(): Promise<BackendName[]> {
  const out: BackendName[] = []
  for (const name of BACKEND_NAMES) {
    if ((await UNAVAILABLE_REASON[name]()) === undefined) out.push(name)
  }
  return out
}

/** Initialises `name` and registers gradients; a failure carries the reason. */
const tryBackend = async (name: BackendName, opts: SelectOptions): Promise<InitResult> => {
  const result = await INIT[name](opts)
  if (!result.ok) return result
  try {
    await registerGradients()
  } catch (e) {
    return { ok: false, reason: `gradient registration failed: ${describeError(e)}` }
  }
  return result
}

/**
 * Selects the backend to train on and makes it tfjs' active backend, with gradients registered.
 * An explicit choice that cannot run yields `BackendUnavailable` listing what can.
 * @example
 *   const info = await selectBackend('auto')() // Right({ name: 'wasm', device: 'wasm (2 threads, SIMD)', ... })
 *   const err = await selectBackend('tensorflow-gpu')() // Left({ _tag: 'BackendUnavailable', available: [...] })
 */
export function selectBackend(choice: BackendChoice, opts: SelectOptions = {}): TE.TaskEither<BackendError, BackendInfo> {
  return async () => {
    if (choice !== 'auto') {
      const result = await tryBackend(choice, opts)
      if (result.ok) return E.right(result.info)
      const available = (await availableBackends()).filter((n) => n !== choice)
      return E.left(backendUnavailable(choice, result.reason, available))
    }
    const attempts: BackendAttempt[] = []
    for (const name of AUTO_ORDER) {
      const result = await tryBackend(name, opts)
      if (result.ok) return E.right(result.info)
      attempts.push({ name, reason: result.reason })
    }
    return E.left(noBackendAvailable(attempts))
  }
}
