/**
 * The libtensorflow backends from the optional packages `@tensorflow/tfjs-node-gpu` (CUDA) and
 * `@tensorflow/tfjs-node` (CPU). Both register the same tfjs backend name, `tensorflow`.
 *
 * The packages are optional dependencies that npm skips where their native build cannot be
 * fetched, so they are only ever imported dynamically, and a missing package is an ordinary
 * "unavailable" result. tfjs-node-gpu silently runs on the CPU when the CUDA libraries are
 * missing, so the gpu variant is only accepted when the binding reports a GPU device.
 *
 * Module state: `loaded` remembers which package was imported, because the two cannot share a
 * process (each brings its own libtensorflow); the second variant reuses the first package.
 */
import * as tf from '@tensorflow/tfjs-core'
import { execFile } from 'node:child_process'
import { createRequire } from 'node:module'
import os from 'node:os'
import { describeError, type InitResult } from './types.js'

/** Which libtensorflow build: `gpu` = tfjs-node-gpu with a CUDA device, `cpu` = tfjs-node. */
export type TensorflowVariant = 'gpu' | 'cpu'

const PACKAGE: Record<TensorflowVariant, string> = {
  gpu: '@tensorflow/tfjs-node-gpu',
  cpu: '@tensorflow/tfjs-node',
}

const require = createRequire(import.meta.url)

/** The package imported in this process, if any (see module doc). */
let loaded: TensorflowVariant | undefined

const isInstalled = (variant: TensorflowVariant): boolean => {
  try {
    require.resolve(PACKAGE[variant])
    return true
  } catch {
    return false
  }
}

/** What the tfjs-node kernel backend exposes about its device (not part of tfjs-core's types). */
interface NodeKernelBackend {
  readonly isUsingGpuDevice?: boolean
  readonly binding?: { readonly isUsingGpuDevice?: () => boolean }
}

const usesGpu = (backend: unknown): boolean => {
  const b = backend as NodeKernelBackend
  return b.isUsingGpuDevice === true || b.binding?.isUsingGpuDevice?.() === true
}

/** Best-effort GPU name for the device text; libtensorflow's binding does not expose it. */
const gpuName = (): Promise<string> =>
  new Promise((resolve) => {
    execFile('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader', '-i', '0'], { timeout: 3000 }, (err, out) =>
      resolve(err ? 'CUDA GPU' : out.trim() || 'CUDA GPU'),
    )
  })

async function importPackage(variant: TensorflowVariant): Promise<void> {
  if (loaded !== undefined) return
  // A computed specifier: the package may be absent, so TypeScript must not try to resolve it.
  const specifier: string = PACKAGE[variant]
  await import(specifier)
  loaded = variant
}

/**
 * Imports the tfjs-node package for `variant` and makes `tensorflow` the active tfjs backend.
 * Fails (without throwing) when the package is missing, its native library does not load, or,
 * for `gpu`, TensorFlow sees no GPU; the previously active backend is then restored.
 * @example await initTensorflow('gpu') // { ok: true, info: { device: 'cuda:0 (NVIDIA H200)', ... } }
 */
export async function initTensorflow(variant: TensorflowVariant): Promise<InitResult> {
  const name = variant === 'gpu' ? 'tensorflow-gpu' : 'tensorflow'
  if (loaded === undefined && !isInstalled(variant)) {
    return { ok: false, reason: `optional package ${PACKAGE[variant]} is not installed` }
  }
  // null before any backend was set (tfjs types claim string).
  const previous = tf.getBackend() as string | null
  const restore = async (): Promise<void> => {
    if (previous != null && previous !== 'tensorflow') await tf.setBackend(previous)
  }
  try {
    await importPackage(variant)
    if (!(await tf.setBackend('tensorflow'))) {
      await restore()
      return { ok: false, reason: `${PACKAGE[loaded ?? variant]} loaded but its backend failed to initialise` }
    }
  } catch (e) {
    await restore()
    return { ok: false, reason: `${PACKAGE[variant]} failed to load: ${describeError(e)}` }
  }
  if (variant === 'gpu' && !usesGpu(tf.backend())) {
    await restore()
    const why =
      loaded === 'gpu'
        ? 'TensorFlow found no GPU device (CUDA/cuDNN libraries missing or no NVIDIA GPU)'
        : `${PACKAGE.cpu} is already loaded in this process`
    return { ok: false, reason: why }
  }
  const device = variant === 'gpu' ? `cuda:0 (${await gpuName()})` : `tensorflow (libtensorflow CPU, ${os.cpus().length} cores)`
  return { ok: true, info: { name, tfBackend: tf.getBackend(), device } }
}

/**
 * Why `variant` cannot be used here, or `undefined` when it can. Probing initialises the backend,
 * so the previously active backend is restored afterwards.
 */
export async function tensorflowUnavailableReason(variant: TensorflowVariant): Promise<string | undefined> {
  if (loaded === undefined && !isInstalled(variant)) return `optional package ${PACKAGE[variant]} is not installed`
  // null before any backend was set (tfjs types claim string).
  const previous = tf.getBackend() as string | null
  const result = await initTensorflow(variant)
  if (result.ok && previous != null && previous !== 'tensorflow') await tf.setBackend(previous)
  return result.ok ? undefined : result.reason
}
