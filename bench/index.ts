/**
 * Benchmarks against PyTorch CPU (when some python3 has torch):
 *  - one LeNet training step (batch 256): typegrad's compiled step on wasm, the same model through tfjs's own
 *    tape on wasm, PyTorch; the ratio typegrad / PyTorch and the compile time of the step;
 *  - one lenet-modern training step (BatchNorm, ReLU, max-pool, Adam) against its PyTorch twin (d2l's BN-LeNet);
 *  - end to end: E epochs of the seed's LeNet recipe through typegrad's training pipeline (a child process,
 *    bench/e2e/typegrad-e2e.ts) against d2l's loop in PyTorch (bench/pytorch_lenet_e2e.py) on the same
 *    exported Fashion-MNIST examples: training time (batching, shuffling, steps, metric reads; not data
 *    loading, compiling or test evaluation) and each child's peak RSS.
 * typegrad and PyTorch alternate for `rounds` rounds; medians (and the median of the per-round ratios) are reported.
 *
 * Usage: npm run bench [-- --json] [--steps 30] [--rounds 5] [--threads 2] [--batch 256] [--no-tape] [--no-pytorch]
 *                      [--no-modern] [--e2e-epochs 1] [--no-e2e]
 * With --json: one JSON object per line, {"name","backend","batch","examples_per_sec","ms_per_step"} per step row,
 * {"name":"typegrad/pytorch","ratio"}, {"name":"lenet-modern typegrad/pytorch","ratio"},
 * {"name":"compile lenet train step","compile_ms","first_compile_ms"}, {"name":"compile lenet-modern train step","compile_ms"},
 * per end-to-end side {"name":"e2e typegrad"|"e2e pytorch","backend","batch","epochs","examples_per_sec","train_seconds",
 * "peak_rss_mb","loss","test_acc"}, then {"name":"e2e typegrad/pytorch","ratio","peak_rss_ratio"}, and last
 * {"name":"machine","cpu","cores","avx512f","loadavg_start","loadavg_end"}.
 * Ratios are PyTorch time / typegrad time: above 1, typegrad is faster.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as tf from '@tensorflow/tfjs-core'
import { initWasm } from '../src/runtime/backends/wasm.js'
import { alternate, hasFlag, intArg, median, pairedRatio } from './args.js'
import type { E2eResult } from './e2e/typegrad-e2e.js'
import { type TorchE2e, lastJsonLine, pytorchE2e, pytorchStep } from './pytorch.js'
import { tapeLenetStep } from './tape-lenet.js'
import { compileLenetStep, compileRecipeStep, timeSteps } from './typegrad-lenet.js'

const argv = process.argv.slice(2)
const json = hasFlag(argv, 'json')
const batch = intArg(argv, 'batch', 256)
const steps = intArg(argv, 'steps', 30)
const threads = intArg(argv, 'threads', 2)
const rounds = intArg(argv, 'rounds', 5)
const e2eEpochs = hasFlag(argv, 'no-e2e') ? 0 : intArg(argv, 'e2e-epochs', 1)
const noTorch = hasFlag(argv, 'no-pytorch')
const modern = !hasFlag(argv, 'no-modern')

interface Row {
  readonly name: string
  readonly backend: string
  readonly batch: number
  readonly examples_per_sec: number
  readonly ms_per_step: number
}
const row = (name: string, backend: string, ms: number): Row => ({
  name,
  backend,
  batch,
  examples_per_sec: Math.round((batch * 1000) / ms),
  ms_per_step: Number(ms.toFixed(2)),
})
const text: string[] = []
const emit = (r: Row) => {
  if (json) console.log(JSON.stringify(r))
  else text.push(`${r.name.padEnd(28)} ${r.backend.padEnd(32)} ${String(r.examples_per_sec).padStart(10)} ${r.ms_per_step.toFixed(2).padStart(9)}`)
}
const out = (obj: Record<string, unknown>, line: string) => (json ? console.log(JSON.stringify(obj)) : text.push(line))
const r3 = (x: number) => Number(x.toFixed(3))

// what a figure needs beside it: the CPU, whether it has AVX-512, and how busy the machine was
const avx512 = (() => {
  try {
    return /\bavx512f\b/.test(readFileSync('/proc/cpuinfo', 'utf8'))
  } catch {
    return undefined
  }
})()
const load0 = loadavg()[0]!

const info = await initWasm({ threads })
const wasm = `wasm (${info.threads} threads${info.simd ? ', SIMD' : ''})`
const torchLabel = (t: { version: string; threads: number }) => `cpu (${t.threads} threads, torch ${t.version})`

// --- one LeNet step ---
// the first compile in a process also pays for V8 warming up the compiler's code; the second is the steady cost
const first = compileLenetStep(tf.getBackend())
first.program.dispose()
const { program, compileMs } = compileLenetStep(tf.getBackend())
let loss = NaN
const lenetRuns = await alternate(rounds, {
  ours: async () => {
    const r = await timeSteps(program, batch, steps)
    loss = r.loss
    return r
  },
  torch: async () => (noTorch ? undefined : pytorchStep(batch, steps, threads)),
})
program.dispose()
const oursMs = lenetRuns.ours.map((r) => r.msPerStep)
const torchMs = lenetRuns.torch.map((r) => r.msPerStep)
emit(row('typegrad compiled step', wasm, median(oursMs)))
if (!hasFlag(argv, 'no-tape')) emit(row('tfjs tape step', wasm, await tapeLenetStep(batch, steps)))
if (lenetRuns.torch[0]) emit(row('pytorch', torchLabel(lenetRuns.torch[0]), median(torchMs)))
const ratio = pairedRatio(torchMs, oursMs)
if (ratio !== undefined) out({ name: 'typegrad/pytorch', ratio: r3(ratio) }, `typegrad / pytorch (LeNet step): ${ratio.toFixed(2)}x`)
else if (!noTorch && !json) text.push('pytorch: not available (no python3 with torch)')
out(
  { name: 'compile lenet train step', compile_ms: Number(compileMs.toFixed(1)), first_compile_ms: Number(first.compileMs.toFixed(1)) },
  `compile time of the train step: ${compileMs.toFixed(1)} ms (first in the process: ${first.compileMs.toFixed(1)} ms); loss after timing ${loss.toFixed(4)}`,
)

// --- one lenet-modern step ---
if (modern) {
  const m = compileRecipeStep('lenet-modern', tf.getBackend())
  const runs = await alternate(rounds, {
    ours: async () => (await timeSteps(m.program, batch, steps)).msPerStep,
    torch: async () => (noTorch ? undefined : pytorchStep(batch, steps, threads, 'lenet-modern')),
  })
  m.program.dispose()
  emit(row('typegrad lenet-modern step', wasm, median(runs.ours)))
  const torch = runs.torch.map((r) => r.msPerStep)
  if (runs.torch[0]) emit(row('pytorch lenet-modern', torchLabel(runs.torch[0]), median(torch)))
  const mr = pairedRatio(torch, runs.ours)
  if (mr !== undefined) out({ name: 'lenet-modern typegrad/pytorch', ratio: r3(mr) }, `typegrad / pytorch (lenet-modern step): ${mr.toFixed(2)}x`)
  out({ name: 'compile lenet-modern train step', compile_ms: Number(m.compileMs.toFixed(1)) }, `compile time of the lenet-modern train step: ${m.compileMs.toFixed(1)} ms`)
}

// --- end to end, in child processes (so each one's peak RSS is its own) ---
if (e2eEpochs > 0) {
  const child = join(dirname(fileURLToPath(import.meta.url)), 'e2e', 'typegrad-e2e.ts')
  const tsx = (args: readonly string[]) => spawnSync(process.execPath, ['--import', 'tsx', child, ...args], { encoding: 'utf8', maxBuffer: 1 << 24 })
  const dataDir = mkdtempSync(join(tmpdir(), 'typegrad-e2e-'))
  try {
    const exported = lastJsonLine<{ train: number; test: number; skipped: number }>('exporting the data', tsx(['--export', dataDir]))
    const runs = await alternate(rounds, {
      ours: async () => lastJsonLine<E2eResult>('typegrad-e2e.ts', tsx(['--epochs', String(e2eEpochs), '--batch', String(batch), '--threads', String(threads)])),
      torch: async (): Promise<TorchE2e | undefined> => (noTorch ? undefined : pytorchE2e(dataDir, e2eEpochs, batch, threads)),
    })
    const side = (name: string, rs: readonly (E2eResult | TorchE2e)[]) => {
      const secs = median(rs.map((r) => r.train_seconds))
      const rss = median(rs.map((r) => r.peak_rss_mb))
      const last = rs[rs.length - 1]!
      const o = {
        name,
        backend: last.device,
        batch,
        epochs: e2eEpochs,
        train_examples: last.train_examples,
        examples_per_sec: Math.round((last.train_examples * e2eEpochs) / secs),
        train_seconds: r3(secs),
        peak_rss_mb: rss,
        loss: last.loss,
        test_acc: last.test_acc,
      }
      out(o, `${name.padEnd(13)} ${last.device.padEnd(32)} ${String(o.examples_per_sec).padStart(10)} ex/s  ${secs.toFixed(2).padStart(7)} s training  peak RSS ${rss.toFixed(0).padStart(5)} MiB  loss ${last.loss.toFixed(3)}, test acc ${last.test_acc.toFixed(3)}`)
    }
    if (!json) text.push('', `end to end: ${e2eEpochs} epoch(s) of the seed's LeNet recipe on ${exported.train} Fashion-MNIST training examples (${exported.skipped} empty records dropped), training time only, median of ${runs.ours.length} alternating rounds`)
    side('e2e typegrad', runs.ours)
    if (runs.torch.length > 0) {
      side('e2e pytorch', runs.torch)
      const er = pairedRatio(runs.torch.map((r) => r.train_seconds), runs.ours.map((r) => r.train_seconds))!
      const rssRatio = median(runs.ours.map((r) => r.peak_rss_mb)) / median(runs.torch.map((r) => r.peak_rss_mb))
      out({ name: 'e2e typegrad/pytorch', ratio: r3(er), peak_rss_ratio: r3(rssRatio) }, `typegrad / pytorch (end to end, training time): ${er.toFixed(2)}x; peak RSS typegrad / pytorch ${rssRatio.toFixed(2)}`)
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true })
  }
}

const machine = { name: 'machine', cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, avx512f: avx512 ?? null, loadavg_start: Number(load0.toFixed(2)), loadavg_end: Number(loadavg()[0]!.toFixed(2)) }
out(machine, `\n${machine.cpu}, ${machine.cores} cores, ${avx512 === undefined ? 'AVX-512 unknown' : avx512 ? 'with AVX-512 (avx512f)' : 'no AVX-512'}; 1-minute load average ${machine.loadavg_start} at the start, ${machine.loadavg_end} at the end`)
if (!json) {
  console.log(`training steps, batch ${batch}, ${steps} timed steps, median of ${rounds} alternating rounds`)
  console.log(`${'name'.padEnd(28)} ${'backend'.padEnd(32)} ${'examples/s'.padStart(10)} ${'ms/step'.padStart(9)}`)
  for (const l of text) console.log(l)
}
// wasm's pool threads are unref'd, but exit explicitly all the same
process.exit(0)
