/**
 * A second thread for the SIMD kernels (src/ops/kernels/simd): one persistent `worker_threads` worker
 * with its own instance of the kernel module on the same shared memory (tfjs-wasm's threaded build), so
 * a call's work is split between the main thread and the worker.
 *
 * Why: the kernels would otherwise run on one core while XNNPACK's pool thread idles between ops; on a
 * 2-core box splitting them nearly halves them.
 * How: a call is cut into {@link CHUNKS} ranges of work items, largest first ({@link rangeEdges}). The main thread fills a shared
 * param block, bumps a sequence number and `Atomics.notify`s; both threads then claim ranges from a
 * shared counter (`Atomics.add`), and the main thread waits for the worker's last range (or withdraws
 * the job if the worker has not woken yet), so other load on the second core degrades gracefully to one
 * thread. A kernel gets the index of its range, which picks the scratch slot of its partial sums (written
 * afresh by each range, so a range can be rerun): the caller folds them in range order, so the result is bitwise the same whichever thread ran which range,
 * and on one thread (which runs the same ranges in order). The module, its memory and the kernel names
 * go over a MessagePort that the worker drains synchronously (`receiveMessageOnPort`) before each job.
 * Fallback to one thread: no shared memory, the worker not (yet) ready or failed, or small jobs.
 */
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads'

/** A SIMD module instantiated on the shared wasm heap: the worker instantiates its own on the same memory. */
export interface SharedSimd {
  readonly module: WebAssembly.Module
  readonly memory: WebAssembly.Memory
  readonly exports: Record<string, (...args: number[]) => void>
}

interface KernelEntry {
  readonly id: number
  readonly run: (...args: number[]) => void
  readonly exportName: string
  readonly simd: SharedSimd
  sent: boolean
}

const PARAMS = 64
/** Control block slots. */
const SEQ = 0
const STATE = 1
const READY = 2
const KERNEL = 3
const NEXT = 4
const ARGS = 5
const FAILED = 6
/** Job states: posted by main, claimed by the worker, withdrawn by main (worker never came), done. */
const POSTED = 1
const RUNNING = 2
const WITHDRAWN = 3
const DONE = 4
/** Ranges per job: small enough that a late or descheduled worker costs main at most one range. */
export const CHUNKS = 16
/**
 * Relative sizes of the ranges, largest first: both threads claim in order, so the last claims are the
 * small ranges and the thread that finishes first waits at most one of those (1/44 of the job instead of
 * 1/16 with equal ranges).
 */
const WEIGHTS = [4, 4, 4, 4, 4, 4, 4, 4, 2, 2, 2, 2, 1, 1, 1, 1]

const boundsCache = new Map<number, Int32Array>()
/**
 * The {@link CHUNKS} + 1 edges of the ranges items [0, count) are cut into (range c is [edges[c],
 * edges[c + 1]), possibly empty for small counts): a function of `count` alone, so one thread or two run
 * the same ranges.
 * @example rangeEdges(44) // [0, 4, 8, ..., 32, 34, 36, 38, 40, 41, 42, 43, 44]
 */
export function rangeEdges(count: number): Int32Array {
  let edges = boundsCache.get(count)
  if (edges === undefined) {
    const total = WEIGHTS.reduce((a, w) => a + w, 0)
    edges = new Int32Array(CHUNKS + 1)
    let acc = 0
    WEIGHTS.forEach((w, c) => {
      acc += w
      edges![c + 1] = Math.round((count * acc) / total)
    })
    if (boundsCache.size > 256) boundsCache.clear()
    boundsCache.set(count, edges)
  }
  return edges
}

const kernels = new Map<string, KernelEntry>()
let nextId = 0
let mode: HeapThreadsMode = 'auto'
let pool: Pool | undefined
let poolBroken = false

interface Pool {
  readonly worker: Worker
  readonly port: MessagePort
  readonly ctrl: Int32Array
  readonly edges: Int32Array
  readonly params: Float64Array
  /** The memory whose module instance the worker has. */
  memory: WebAssembly.Memory | undefined
  seq: number
}

/** Worker body (plain JS, run with `eval: true`): claims ranges of each posted job. */
const workerSource = `
const { workerData, receiveMessageOnPort } = require('node:worker_threads')
const { ctrl, edges, params, port } = workerData
const names = []
let simd
let seen = 0
Atomics.store(ctrl, ${READY}, 1)
for (;;) {
  Atomics.wait(ctrl, ${SEQ}, seen)
  seen = Atomics.load(ctrl, ${SEQ})
  for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) {
    const msg = m.message
    if (msg.simd) simd = new WebAssembly.Instance(msg.simd.module, { env: { memory: msg.simd.memory } }).exports
    if (msg.kernel) names[msg.kernel.id] = msg.kernel.exportName
  }
  if (Atomics.compareExchange(ctrl, ${STATE}, ${POSTED}, ${RUNNING}) !== ${POSTED}) continue
  try {
    const run = simd[names[Atomics.load(ctrl, ${KERNEL})]]
    const args = Array.from(params.subarray(0, Atomics.load(ctrl, ${ARGS})))
    for (let c = Atomics.add(ctrl, ${NEXT}, 1); c < ${CHUNKS}; c = Atomics.add(ctrl, ${NEXT}, 1))
      if (edges[c] < edges[c + 1]) run(edges[c], edges[c + 1], c, ...args)
  } catch (e) {
    Atomics.store(ctrl, ${FAILED}, 1)
  }
  Atomics.store(ctrl, ${STATE}, ${DONE})
  Atomics.notify(ctrl, ${STATE})
}
`

/**
 * Registers export `exportName` of `simd` as splittable kernel `name` (idempotent per module). The
 * export's signature is `(lo, hi, range, ...params)`: items [lo, hi), the range's index (0 ..
 * {@link CHUNKS} - 1), then the call's params.
 * @example registerSimdSplitKernel('simd:columnSums', simd, 'columnSums')
 */
export function registerSimdSplitKernel(name: string, simd: SharedSimd, exportName: string): void {
  if (kernels.get(name)?.simd === simd) return
  const run = simd.exports[exportName]
  if (run === undefined) throw new Error(`registerSimdSplitKernel: the SIMD module has no export ${exportName}`)
  kernels.set(name, { id: nextId++, run, exportName, simd, sent: false })
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
    const edges = new Int32Array(new SharedArrayBuffer((CHUNKS + 1) * 4))
    const params = new Float64Array(new SharedArrayBuffer(PARAMS * 8))
    const { port1, port2 } = new MessageChannel()
    const worker = new Worker(workerSource, { eval: true, workerData: { ctrl, edges, params, port: port2 }, transferList: [port2] })
    worker.unref()
    port1.unref()
    worker.on('error', () => {
      poolBroken = true
    })
    worker.on('exit', () => {
      poolBroken = true
    })
    return { worker, port: port1, ctrl, edges, params, memory: undefined, seq: 0 }
  } catch {
    poolBroken = true
    return undefined
  }
}

/**
 * Starts the worker now and has it instantiate `simd` (a wake-up without a job: it drains its port and
 * waits again), so that it is up by the first calls instead of being started by them (which then run on
 * one thread until it is).
 * @example prepareHeapThreads({ module, memory, exports })
 */
export function prepareHeapThreads(simd: SharedSimd): void {
  pool ??= startPool()
  if (pool === undefined || pool.memory === simd.memory) return
  pool.port.postMessage({ simd: { module: simd.module, memory: simd.memory } })
  pool.memory = simd.memory
  Atomics.store(pool.ctrl, SEQ, ++pool.seq)
  Atomics.notify(pool.ctrl, SEQ)
}

/**
 * Runs `run` over items [0, count) with `params` on this thread, cut into the same {@link CHUNKS} ranges
 * ({@link rangeEdges}), in order, that {@link runSplit} hands out: `run(lo, hi, range, ...params)`; empty
 * ranges are skipped (their scratch slots keep what the caller put there).
 * @example runRanges(exports.columnSums, [x, scratch, f], rows)
 */
export function runRanges(run: (...args: number[]) => void, params: readonly number[], count: number): void {
  const edges = rangeEdges(count)
  for (let c = 0; c < CHUNKS; c++) if (edges[c]! < edges[c + 1]!) run(edges[c]!, edges[c + 1]!, c, ...params)
}

/**
 * Runs kernel `name` over items [0, count) with `params`, cut into up to {@link CHUNKS} ranges: on two
 * threads when possible (both claim ranges from a shared counter, so a worker that wakes late or is
 * descheduled by other load costs the main thread at most one range of waiting), else on the main
 * thread in range order. `minCount`: below it, one thread.
 * @example runSplit('simd:columnSums', [x, scratch, f], rows, 64)
 */
export function runSplit(name: string, params: readonly number[], count: number, minCount: number): void {
  const k = kernels.get(name)
  if (k === undefined) throw new Error(`runSplit: unknown kernel ${name}`)
  if (count <= 0) return
  const alone = () => runRanges(k.run, params, count)
  const two = mode !== 'off' && (mode === 'always' || count >= minCount) && count >= 2 && params.length <= PARAMS
  if (!two) return alone()
  pool ??= startPool()
  if (pool === undefined || poolBroken || Atomics.load(pool.ctrl, READY) !== 1) return alone()
  const { ctrl } = pool
  if (pool.memory !== k.simd.memory) {
    pool.port.postMessage({ simd: { module: k.simd.module, memory: k.simd.memory } })
    pool.memory = k.simd.memory
  }
  if (!k.sent) {
    pool.port.postMessage({ kernel: { id: k.id, exportName: k.exportName } })
    k.sent = true
  }
  pool.params.set(params)
  const edges = rangeEdges(count)
  pool.edges.set(edges)
  Atomics.store(ctrl, KERNEL, k.id)
  Atomics.store(ctrl, NEXT, 0)
  Atomics.store(ctrl, ARGS, params.length)
  Atomics.store(ctrl, STATE, POSTED)
  Atomics.store(ctrl, SEQ, ++pool.seq)
  Atomics.notify(ctrl, SEQ)
  for (let c = Atomics.add(ctrl, NEXT, 1); c < CHUNKS; c = Atomics.add(ctrl, NEXT, 1)) if (edges[c]! < edges[c + 1]!) k.run(edges[c]!, edges[c + 1]!, c, ...params)
  // Nothing left to claim: if the worker never picked the job up, withdraw it and skip the wait.
  if (Atomics.compareExchange(ctrl, STATE, POSTED, WITHDRAWN) === POSTED) return
  // A healthy worker finishes its last range soon; a long silence means it died.
  while (Atomics.load(ctrl, STATE) === RUNNING) {
    if (Atomics.wait(ctrl, STATE, RUNNING, 10_000) === 'timed-out' && Atomics.load(ctrl, STATE) === RUNNING) break
  }
  if (Atomics.load(ctrl, STATE) !== DONE || Atomics.load(ctrl, FAILED) === 1) {
    // Which ranges the worker finished is unknown: redo them all here, once and for all (kernels write
    // their outputs and per-range sums afresh, so a rerun range gives the same bits).
    poolBroken = true
    alone()
  }
}
