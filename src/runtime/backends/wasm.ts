/**
 * Sets up the tfjs WebAssembly backend in Node, with XNNPACK threads when possible.
 *
 * Why the workaround: tfjs-backend-wasm 4.22 disables threads in Node
 * (`WASM_HAS_MULTITHREAD_SUPPORT` is hard-wired to false there) because its emscripten
 * pthread workers are started from `blob:` URLs, which `worker_threads` cannot load, and
 * because the C++ side caps XNNPACK's pool at `os.cpus().length / 2` (1 on a 2-core box).
 * We get around all three without touching node_modules:
 *  1. force the flag to true, so the threaded SIMD binary is picked;
 *  2. replace `globalThis.Worker` (which emscripten reassigns to `worker_threads.Worker` on
 *     load, hence a getter with an ignoring setter) by a subclass that starts the pthread
 *     worker from its source text (`eval: true`) instead of the blob URL, and that hands the
 *     worker the on-disk emscripten factory script instead of the `Blob` copy of it;
 *  3. let `os.cpus()` report `2 * threads` entries while the module initialises, so the cap
 *     becomes the requested thread count.
 * If any of this fails we fall back to the single-threaded SIMD binary.
 */
import os from 'node:os'
import * as path from 'node:path'
import { createRequire } from 'node:module'
import { Worker as NodeWorker, type WorkerOptions } from 'node:worker_threads'
import * as tf from '@tensorflow/tfjs-core'
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm'
import { prepareSimd } from '../../ops/kernels/index.js'

const require = createRequire(import.meta.url)

/** Options for {@link initWasm}. */
export interface WasmOptions {
  /** XNNPACK threads; default: all cores (`os.cpus().length`), 1 disables threads. */
  readonly threads?: number
}

/** What the backend ended up with. */
export interface WasmInfo {
  readonly threads: number
  readonly simd: boolean
}

const packageDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'))
/** emscripten factory of the threaded build, loaded by each pthread worker via importScripts. */
const threadedMainScript = path.join(packageDir, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.js')
const threadedWorkerModule = path.join(packageDir, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.worker.js')

function pthreadWorkerSource(): string {
  const contents = (require(threadedWorkerModule) as { wasmWorkerContents: string }).wasmWorkerContents
  // The module is a template literal: its '\n' escapes became real newlines inside string
  // literals of the worker code; tfjs re-escapes them the same way before making its blob.
  return contents.replace(/\n/g, '\\n')
}

interface PthreadMessage {
  readonly cmd?: string
  readonly urlOrBlob?: unknown
}

/** Every pthread worker we started, to unref them once the backend is up. */
const pthreadWorkers = new Set<NodeWorker>()
/** After init, parked pool threads must not keep Node alive (emscripten re-refs on spawn). */
let workersMayKeepAlive = true

function installNodePthreadWorker(): void {
  const source = pthreadWorkerSource()
  class NodePthreadWorker extends NodeWorker {
    constructor(url: string | URL, options?: WorkerOptions) {
      const isBlob = typeof url === 'string' && url.startsWith('blob:')
      super(isBlob ? source : url, isBlob ? { ...options, eval: true } : options)
      pthreadWorkers.add(this)
      if (!workersMayKeepAlive) this.unref()
    }
    override ref(): void {
      if (workersMayKeepAlive) super.ref()
    }
    override postMessage(message: unknown, transfer?: readonly never[]): void {
      const m = message as PthreadMessage | null
      const fixed =
        m !== null && typeof m === 'object' && m.cmd === 'load' && typeof m.urlOrBlob !== 'string'
          ? { ...m, urlOrBlob: threadedMainScript }
          : message
      super.postMessage(fixed, transfer)
    }
  }
  Object.defineProperty(globalThis, 'Worker', {
    configurable: true,
    get: () => NodePthreadWorker,
    set: () => undefined, // emscripten assigns worker_threads.Worker on load: keep ours
  })
}

/** Runs `f` while os.cpus() reports at least `count` CPUs (restored afterwards). */
async function withReportedCpus<T>(count: number, f: () => Promise<T>): Promise<T> {
  // `os` here is the shared CommonJS module object that the emscripten glue calls.
  const original = os.cpus
  os.cpus = () => {
    const cpus = original.call(os)
    while (cpus.length > 0 && cpus.length < count) cpus.push(cpus[0])
    return cpus
  }
  try {
    return await f()
  } finally {
    os.cpus = original
  }
}

/** XNNPACK's pool threads stay parked forever; they must not keep Node from exiting. */
function unrefPthreadWorkers(): void {
  workersMayKeepAlive = false
  for (const worker of pthreadWorkers) worker.unref()
}

let initialised: Promise<WasmInfo> | undefined

async function setUp(requested: number): Promise<WasmInfo> {
  setWasmPaths(packageDir + path.sep + 'dist' + path.sep)
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'))
  if (requested > 1 && simd && typeof SharedArrayBuffer !== 'undefined') {
    try {
      installNodePthreadWorker()
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true)
      setThreadsCount(requested)
      const ok = await withReportedCpus(2 * requested, () => tf.setBackend('wasm'))
      if (ok) {
        unrefPthreadWorkers()
        return { threads: getThreadsCount(), simd }
      }
    } catch {
      // fall through to the single-threaded build
    }
  }
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false)
  setThreadsCount(1)
  if (!(await tf.setBackend('wasm'))) throw new Error('tfjs wasm backend failed to initialise')
  return { threads: getThreadsCount(), simd }
}

/**
 * Registers and activates the tfjs `wasm` backend (binaries read from the package's dist/
 * folder in node_modules). Idempotent: later calls return the first call's result and make
 * `wasm` the active backend again.
 *
 * @example
 *   const { threads, simd } = await initWasm({ threads: 2 }) // { threads: 2, simd: true }
 */
export async function initWasm(opts: WasmOptions = {}): Promise<WasmInfo> {
  if (initialised === undefined) {
    const requested = Math.max(1, Math.floor(opts.threads ?? os.cpus().length))
    initialised = setUp(requested)
  }
  const info = await initialised
  if (tf.getBackend() !== 'wasm') await tf.setBackend('wasm')
  prepareSimd()
  return info
}
