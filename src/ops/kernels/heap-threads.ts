/**
 * A second thread for the plain-JS heap kernels: one persistent `worker_threads` worker that
 * shares the wasm heap (a SharedArrayBuffer in tfjs-wasm's threaded build) and runs half of a
 * kernel's range while the main thread runs the other half.
 *
 * Why: the heap kernels are single-threaded JS (~5-10 ns/element) while XNNPACK's pool thread
 * idles between ops, so on a 2-core box splitting the big loops nearly halves them.
 * How: kernels are plain, self-contained functions `(heap, params, lo, hi, acc)`; their source
 * (`Function#toString`, types already stripped by the TS loader/compiler) is shipped to the
 * worker once. Per call the main thread fills a shared param block, bumps a sequence number and
 * `Atomics.notify`s; both threads then claim chunks from a shared counter (`Atomics.add`), and
 * the main thread waits for the worker's last chunk (or withdraws the job if the worker has not
 * woken yet), so other load on the second core degrades gracefully to one thread. New heap buffers (after memory growth) and kernel sources go over a MessagePort
 * that the worker drains synchronously (`receiveMessageOnPort`) before each job.
 * Fallback to one thread: no SAB, the worker not (yet) ready or failed, or small ranges.
 */
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads'

/**
 * A splittable kernel body: processes items [lo, hi) of the job described by `params`, views
 * taken on `heap`, accumulating partial sums (if any) into `acc` (zeroed by the caller).
 * Must be self-contained (no free variables besides globals and `helpers`): its source runs in
 * the worker.
 */
export type SplitKernel = (heap: ArrayBufferLike, params: Float64Array, lo: number, hi: number, acc: Float64Array, chunk: number) => void

interface KernelEntry {
  readonly id: number
  readonly fn: SplitKernel
  readonly source: string
  /** For SIMD kernels: the module instance they call (the worker instantiates its own). */
  readonly simd?: SharedSimd
  sent: boolean
}

const PARAMS = 64
/** Largest partial-sum vector the worker can return (longer ones run on one thread). */
export const MAX_ACC = 4096
/** Control block slots. */
const SEQ = 0
const STATE = 1
const READY = 2
const KERNEL = 3
const NEXT = 4
const COUNT = 5
const CHUNK = 6
const ACC_LEN = 7
const FAILED = 8
/** Job states: posted by main, claimed by the worker, withdrawn by main (worker never came), done. */
const POSTED = 1
const RUNNING = 2
const WITHDRAWN = 3
const DONE = 4
/** Chunks per job: small enough that a late or descheduled worker costs main at most one chunk. */
export const CHUNKS = 16

const kernels = new Map<string, KernelEntry>()
let nextId = 0
let mode: HeapThreadsMode = 'auto'
let pool: Pool | undefined
let poolBroken = false

interface Pool {
  readonly worker: Worker
  readonly port: MessagePort
  readonly ctrl: Int32Array
  readonly params: Float64Array
  readonly acc: Float64Array
  heap: ArrayBufferLike | undefined
  /** The SIMD module instance the worker has (one per memory). */
  simd: WebAssembly.Memory | undefined
  seq: number
}

/** Worker body (plain JS, run with `eval: true`): claims chunks of each posted job. */
const workerSource = `
const { workerData, receiveMessageOnPort } = require('node:worker_threads')
const { ctrl, params, acc, port } = workerData
const fns = []
let heap
let simd
let seen = 0
Atomics.store(ctrl, ${READY}, 1)
for (;;) {
  Atomics.wait(ctrl, ${SEQ}, seen)
  seen = Atomics.load(ctrl, ${SEQ})
  for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) {
    const msg = m.message
    if (msg.heap) heap = msg.heap
    if (msg.simd) simd = new WebAssembly.Instance(msg.simd.module, { env: { memory: msg.simd.memory } }).exports
    if (msg.source) fns[msg.id] = (0, eval)('(' + msg.source + ')')
  }
  if (Atomics.compareExchange(ctrl, ${STATE}, ${POSTED}, ${RUNNING}) !== ${POSTED}) continue
  try {
    acc.fill(0, 0, Atomics.load(ctrl, ${ACC_LEN}))
    const fn = fns[Atomics.load(ctrl, ${KERNEL})]
    const count = Atomics.load(ctrl, ${COUNT}), chunk = Atomics.load(ctrl, ${CHUNK})
    for (let c = Atomics.add(ctrl, ${NEXT}, 1); c * chunk < count; c = Atomics.add(ctrl, ${NEXT}, 1))
      fn(heap, params, c * chunk, Math.min((c + 1) * chunk, count), acc, c)
  } catch (e) {
    Atomics.store(ctrl, ${FAILED}, 1)
  }
  Atomics.store(ctrl, ${STATE}, ${DONE})
  Atomics.notify(ctrl, ${STATE})
}
`

/**
 * Registers a splittable kernel under `name` (idempotent). `helpers` are further
 * self-contained functions the body calls; their sources are bundled with it.
 * @example registerSplitKernel('sum', (heap, p, lo, hi, acc) => { ... })
 */
export function registerSplitKernel(name: string, fn: SplitKernel, helpers: readonly ((...a: never[]) => unknown)[] = []): void {
  if (kernels.has(name)) return
  const source = `(() => { ${helpers.map((h) => h.toString()).join('\n')}\n return ${fn.toString()} })()`
  kernels.set(name, { id: nextId++, fn, source, sent: false })
}

/** A SIMD module instantiated on the shared wasm heap (src/ops/kernels/simd): the worker gets its own instance. */
export interface SharedSimd {
  readonly module: WebAssembly.Module
  readonly memory: WebAssembly.Memory
  readonly exports: Record<string, (...args: number[]) => void>
}

let simdModule: SharedSimd | undefined

/**
 * Registers export `exportName` of `simd` as splittable kernel `name` (idempotent). The export's
 * signature is `(lo, hi, chunk, ...params)`: `chunk` is the index of the range (see {@link runSplit}'s `chunked`), the
 * slot of the scratch where its partial sums go.
 * @example registerSimdSplitKernel('conv2dFilterGrad', simd, 'conv2dFilterGrad')
 */
export function registerSimdSplitKernel(name: string, simd: SharedSimd, exportName: string): void {
  if (kernels.get(name)?.simd === simd) return
  simdModule = simd
  const f = simd.exports[exportName]
  if (f === undefined) throw new Error(`registerSimdSplitKernel: the SIMD module has no export ${exportName}`)
  // p holds the call's params; the export ignores the trailing unused slots
  const fn: SplitKernel = (_heap, p, lo, hi, _acc, chunk) => f(lo, hi, chunk, ...p)
  const source = `(_heap, p, lo, hi, _acc, chunk) => simd.${exportName}(lo, hi, chunk, ...p)`
  kernels.set(name, { id: nextId++, fn, source, simd, sent: false })
}

/** 'off': one thread; 'auto': two for big jobs; 'always': two whenever possible (tests). */
export type HeapThreadsMode = 'off' | 'auto' | 'always'

/**
 * Chooses when the second thread is used (tests and benchmarks compare both paths).
 * @example setHeapThreads('off')
 */
export function setHeapThreads(next: HeapThreadsMode): void {
  mode = next
}

/** True once the worker is up and healthy (calls before that run on one thread). */
export function heapThreadsActive(): boolean {
  return pool !== undefined && !poolBroken && Atomics.load(pool.ctrl, READY) === 1
}

function startPool(): Pool | undefined {
  if (poolBroken) return undefined
  try {
    const ctrl = new Int32Array(new SharedArrayBuffer(16 * 4))
    const params = new Float64Array(new SharedArrayBuffer(PARAMS * 8))
    const acc = new Float64Array(new SharedArrayBuffer(MAX_ACC * 8))
    const { port1, port2 } = new MessageChannel()
    const worker = new Worker(workerSource, { eval: true, workerData: { ctrl, params, acc, port: port2 }, transferList: [port2] })
    worker.unref()
    port1.unref()
    worker.on('error', () => {
      poolBroken = true
    })
    worker.on('exit', () => {
      poolBroken = true
    })
    return { worker, port: port1, ctrl, params, acc, heap: undefined, simd: undefined, seq: 0 }
  } catch {
    poolBroken = true
    return undefined
  }
}

/**
 * Runs kernel `name` over items [0, count) of `params`, on two threads when possible: both
 * threads claim chunks of ~count/16 items from a shared counter, so a worker that wakes late (or
 * is descheduled by other load) costs the main thread at most one chunk of waiting. Partial sums
 * land in `acc` (zeroed here): with two threads it is the sum of each thread's sums over its
 * chunks, so the last bits may differ from a one-thread run (summation order, which also depends
 * on the chunk interleaving). `minCount`: below it, one thread. `chunked`: one thread also runs the job
 * as the same {@link CHUNKS} ranges, in order, so a kernel that keeps partial sums per chunk (its last
 * argument) gives bitwise the same result on one thread or two.
 * @example runSplit('pooledSigmoid', heap, params, n, acc, 4)
 */
export function runSplit(name: string, heap: ArrayBufferLike, params: ArrayLike<number>, count: number, acc: Float64Array, minCount: number, chunked = false): void {
  const k = kernels.get(name)
  if (k === undefined) throw new Error(`runSplit: unknown kernel ${name}`)
  acc.fill(0)
  const p = Float64Array.from(params)
  const two = mode !== 'off' && (mode === 'always' || count >= minCount) && count >= 2 && acc.length <= MAX_ACC && p.length <= PARAMS && heap instanceof SharedArrayBuffer
  const chunk = Math.ceil(count / CHUNKS)
  const alone = () => {
    if (!chunked) return k.fn(heap, p, 0, count, acc, 0)
    for (let c = 0; c * chunk < count; c++) k.fn(heap, p, c * chunk, Math.min((c + 1) * chunk, count), acc, c)
  }
  if (!two) return alone()
  pool ??= startPool()
  if (pool === undefined || poolBroken || Atomics.load(pool.ctrl, READY) !== 1) return alone()
  const { ctrl } = pool
  if (pool.heap !== heap) {
    pool.port.postMessage({ heap })
    pool.heap = heap
  }
  if (simdModule !== undefined && pool.simd !== simdModule.memory) {
    pool.port.postMessage({ simd: { module: simdModule.module, memory: simdModule.memory } })
    pool.simd = simdModule.memory
  }
  if (!k.sent) {
    pool.port.postMessage({ id: k.id, source: k.source })
    k.sent = true
  }
  pool.params.set(p)
  Atomics.store(ctrl, KERNEL, k.id)
  Atomics.store(ctrl, NEXT, 0)
  Atomics.store(ctrl, COUNT, count)
  Atomics.store(ctrl, CHUNK, chunk)
  Atomics.store(ctrl, ACC_LEN, acc.length)
  Atomics.store(ctrl, STATE, POSTED)
  Atomics.store(ctrl, SEQ, ++pool.seq)
  Atomics.notify(ctrl, SEQ)
  for (let c = Atomics.add(ctrl, NEXT, 1); c * chunk < count; c = Atomics.add(ctrl, NEXT, 1)) k.fn(heap, p, c * chunk, Math.min((c + 1) * chunk, count), acc, c)
  // Nothing left to claim: if the worker never picked the job up, withdraw it and skip the wait.
  if (Atomics.compareExchange(ctrl, STATE, POSTED, WITHDRAWN) === POSTED) return
  // A healthy worker finishes its last chunk soon; a long silence means it died.
  while (Atomics.load(ctrl, STATE) === RUNNING) {
    if (Atomics.wait(ctrl, STATE, RUNNING, 10_000) === 'timed-out' && Atomics.load(ctrl, STATE) === RUNNING) break
  }
  if (Atomics.load(ctrl, STATE) !== DONE || Atomics.load(ctrl, FAILED) === 1) {
    // Which chunks the worker finished is unknown: redo the whole job here, once and for all.
    poolBroken = true
    acc.fill(0)
    alone()
    return
  }
  for (let i = 0; i < acc.length; i++) acc[i]! += pool.acc[i]!
}
