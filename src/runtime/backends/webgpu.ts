/**
 * The WebGPU backend in Node: Dawn from the `webgpu` npm package drives
 * `@tensorflow/tfjs-backend-webgpu`. On machines without a GPU, Dawn runs on Mesa's lavapipe
 * (software Vulkan; see .ci/install-lavapipe.sh), which is useful for testing, not for speed.
 *
 * tfjs-backend-webgpu registers itself on import only if `navigator.gpu` exists and uses the
 * `GPUBufferUsage`/`GPUMapMode`/... globals, so both are shimmed before it is imported.
 * Read results with `await tensor.data()`: `dataSync` would block on a GPU map that only
 * completes on the event loop.
 *
 * Module state (one process = one Dawn instance; tfjs creates its GPU device once, on the first
 * `setBackend('webgpu')`, and reuses it when switching back):
 * - `gpu`: the Dawn instance installed as `navigator.gpu`. The webgpu README warns that a live
 *   instance can keep Node from exiting (crbug 387965810); with webgpu 0.6.2 on lavapipe processes
 *   exit fine, but {@link releaseWebGpu} drops it explicitly when done.
 * - `probe`: the memoised adapter lookup.
 * - `factory`: tfjs' backend factory, kept to re-register after {@link releaseWebGpu}.
 */
import * as tf from '@tensorflow/tfjs-core'
import { describeError, type InitResult } from './types.js'

type Probe = { readonly ok: true; readonly adapter: string } | { readonly ok: false; readonly reason: string }

let gpu: GPU | undefined
let probe: Promise<Probe> | undefined
let factory: ReturnType<typeof tf.findBackendFactory> | undefined

/** "vendor architecture: description" from whatever fields the adapter fills in. */
const describeAdapter = (info: GPUAdapterInfo): string => {
  const head = [info.vendor, info.architecture].filter((s) => s !== '').join(' ')
  const tail = info.description !== '' ? info.description : info.device
  return [head, tail].filter((s) => s !== '').join(': ') || 'unknown adapter'
}

/** Installs `navigator.gpu` (Node 20 has no `navigator`; Node 21+ has one without `gpu`). */
function installNavigatorGpu(instance: GPU): void {
  const g = globalThis as { navigator?: { gpu?: GPU } }
  if (g.navigator === undefined) {
    Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true })
  }
  Object.defineProperty(g.navigator, 'gpu', { value: instance, configurable: true, writable: true })
}

async function findAdapter(): Promise<Probe> {
  try {
    const { create, globals } = await import('webgpu')
    Object.assign(globalThis, globals)
    gpu ??= create([])
    installNavigatorGpu(gpu)
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' })
    if (adapter === null) {
      return { ok: false, reason: 'Dawn found no WebGPU adapter (no Vulkan driver? see .ci/install-lavapipe.sh)' }
    }
    return { ok: true, adapter: describeAdapter(adapter.info) }
  } catch (e) {
    return { ok: false, reason: `the webgpu package failed to load: ${describeError(e)}` }
  }
}

/**
 * Why webgpu cannot be used here, or `undefined` when Dawn finds an adapter. Memoised; creates the
 * process' Dawn instance but does not create a device or change the active tfjs backend.
 */
export async function webgpuUnavailableReason(): Promise<string | undefined> {
  probe ??= findAdapter()
  const p = await probe
  return p.ok ? undefined : p.reason
}

/**
 * Makes `webgpu` the active tfjs backend, creating the GPU device on first use.
 * @example await initWebGpu() // { ok: true, info: { device: 'webgpu (mesa software: llvmpipe ...)', ... } }
 */
export async function initWebGpu(): Promise<InitResult> {
  probe ??= findAdapter()
  const p = await probe
  if (!p.ok) return p
  try {
    await import('@tensorflow/tfjs-backend-webgpu')
    factory ??= tf.findBackendFactory('webgpu')
    if (factory == null) return { ok: false, reason: 'tfjs-backend-webgpu did not register (navigator.gpu missing?)' }
    if (tf.findBackendFactory('webgpu') == null) tf.registerBackend('webgpu', factory, 3)
    if (!(await tf.setBackend('webgpu'))) return { ok: false, reason: 'tfjs could not create a WebGPU device' }
  } catch (e) {
    return { ok: false, reason: `tfjs-backend-webgpu failed: ${describeError(e)}` }
  }
  return { ok: true, info: { name: 'webgpu', tfBackend: tf.getBackend(), device: `webgpu (${p.adapter})` } }
}

/**
 * Disposes the tfjs webgpu backend (its tensors are lost) and drops the Dawn instance so that Node
 * can exit. Select another backend afterwards; {@link initWebGpu} may be called again later.
 */
export function releaseWebGpu(): void {
  if (tf.findBackendFactory('webgpu') != null) tf.removeBackend('webgpu')
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator
  if (nav !== undefined && nav.gpu === gpu) delete nav.gpu
  gpu = undefined
  probe = undefined
}
