/**
 * Names, results and typed errors shared by every backend module and the selector.
 * Kept free of tfjs imports so that callers can talk about backends without loading one.
 */

/**
 * A compute backend typegrad can train on.
 * - `tensorflow-gpu`: libtensorflow with CUDA via the optional `@tensorflow/tfjs-node-gpu`.
 * - `tensorflow`: libtensorflow on the CPU via the optional `@tensorflow/tfjs-node`.
 * - `webgpu`: Dawn (`webgpu` npm package) + `@tensorflow/tfjs-backend-webgpu`; only on request.
 * - `wasm`: `@tensorflow/tfjs-backend-wasm`, always installed; the default.
 * - `cpu`: plain JS kernels, slowest; only on request.
 *
 * @example const b: BackendName = 'wasm'
 */
export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'webgpu' | 'wasm' | 'cpu'

/** What a user may ask for: one backend, or `auto` for the first usable one in {@link AUTO_ORDER}. */
export type BackendChoice = BackendName | 'auto'

/** Every backend, in the order they are listed to users (fastest first). */
export const BACKEND_NAMES: readonly BackendName[] = ['tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm', 'cpu']

/**
 * The order `auto` tries. webgpu is absent on purpose: on machines without a real GPU it runs on a
 * software rasteriser (lavapipe) and is slower than wasm; cpu is absent because wasm never fails.
 */
export const AUTO_ORDER: readonly BackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm']

/** Narrows an arbitrary string (e.g. a CLI flag) to a {@link BackendChoice}. */
export const isBackendChoice = (s: string): s is BackendChoice =>
  s === 'auto' || (BACKEND_NAMES as readonly string[]).includes(s)

/**
 * The active backend after a successful selection.
 * @example { name: 'wasm', tfBackend: 'wasm', device: 'wasm (2 threads, SIMD)', threads: 2 }
 */
export interface BackendInfo {
  /** typegrad's name for the backend. */
  readonly name: BackendName
  /** What `tf.getBackend()` reports (both tensorflow variants are `tensorflow`). */
  readonly tfBackend: string
  /** Human text for "training on <device>". */
  readonly device: string
  /** Worker threads, where the backend has a notion of them (wasm). */
  readonly threads?: number
}

/** The outcome of initialising one backend; `reason` explains a failure to a user. */
export type InitResult = { readonly ok: true; readonly info: BackendInfo } | { readonly ok: false; readonly reason: string }

/** Why one backend could not be used. */
export interface BackendAttempt {
  readonly name: BackendName
  readonly reason: string
}

/**
 * Typed failures of backend selection.
 * - `BackendUnavailable`: an explicitly requested backend cannot run here; lists what can.
 * - `NoBackendAvailable`: `auto` found nothing usable (only if wasm itself fails).
 */
export type BackendError =
  | {
      readonly _tag: 'BackendUnavailable'
      readonly requested: BackendName
      readonly reason: string
      readonly available: readonly BackendName[]
      readonly message: string
    }
  | {
      readonly _tag: 'NoBackendAvailable'
      readonly attempts: readonly BackendAttempt[]
      readonly message: string
    }

/**
 * Builds a `BackendUnavailable` error with a readable message.
 * @example backendUnavailable('tensorflow-gpu', 'not installed', ['wasm', 'cpu']).message
 *   // "backend 'tensorflow-gpu' is unavailable: not installed. Available: wasm, cpu"
 */
export const backendUnavailable = (
  requested: BackendName,
  reason: string,
  available: readonly BackendName[],
): BackendError => ({
  _tag: 'BackendUnavailable',
  requested,
  reason,
  available,
  message: `backend '${requested}' is unavailable: ${reason}. Available: ${available.length > 0 ? available.join(', ') : 'none'}`,
})

/** Builds a `NoBackendAvailable` error listing why each candidate failed. */
export const noBackendAvailable = (attempts: readonly BackendAttempt[]): BackendError => ({
  _tag: 'NoBackendAvailable',
  attempts,
  message: `no backend could be initialised: ${attempts.map((a) => `${a.name}: ${a.reason}`).join('; ')}`,
})

/** Formats an unknown thrown value for a user-facing reason string. */
export const describeError = (e: unknown): string => (e instanceof Error ? e.message : String(e))
