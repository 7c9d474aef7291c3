/**
 * PyTorch CPU reference: runs bench/pytorch_lenet.py (one training step on a random batch, LeNet or the
 * lenet-modern twin) or bench/pytorch_lenet_e2e.py (d2l's training loop on exported Fashion-MNIST) with the
 * first python3 that can import torch, and parses what they print.
 */
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const candidates = ['python3', '/usr/bin/python3', 'python']

let found: string | null | undefined
/** The first python with torch (looked up once), or undefined. */
export const torchPython = (): string | undefined => {
  if (found === undefined) found = candidates.find((p) => spawnSync(p, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0) ?? null
  return found ?? undefined
}

/** The PyTorch step time of `model`, or undefined when no python3 has torch or the script fails. */
export const pytorchStep = async (batch: number, steps: number, threads: number, model: 'lenet' | 'lenet-modern' = 'lenet'): Promise<{ msPerStep: number; version: string; threads: number } | undefined> => {
  const python = torchPython()
  if (python === undefined) return undefined
  const r = spawnSync(python, [join(here, 'pytorch_lenet.py'), '--model', model, '--threads', String(threads), '--steps', String(steps), '--batch', String(batch)], { encoding: 'utf8' })
  const m = /pytorch (\S+) \((\d+) threads\): ([\d.]+) ms\/step/.exec(r.stdout ?? '')
  return m ? { version: m[1]!, threads: Number(m[2]), msPerStep: Number(m[3]) } : undefined
}

/** What bench/pytorch_lenet_e2e.py prints (the same fields as the typegrad child's, less compile). */
export interface TorchE2e {
  readonly epochs: number
  readonly train_examples: number
  readonly train_seconds: number
  readonly examples_per_sec: number
  readonly load_seconds: number
  readonly loss: number
  readonly train_acc: number
  readonly test_acc: number
  readonly device: string
  readonly peak_rss_mb: number
}

/** The last line of a child's stdout, parsed as JSON; throws with its stderr when there is none. */
export const lastJsonLine = <T>(what: string, r: { readonly stdout: string | null; readonly stderr: string | null; readonly status: number | null }): T => {
  const line = (r.stdout ?? '').trim().split('\n').filter((l) => l.startsWith('{')).pop()
  if (r.status !== 0 || line === undefined) throw new Error(`${what} failed (exit ${r.status}): ${(r.stderr ?? '').trim().slice(-2000)}`)
  return JSON.parse(line) as T
}

/** d2l's loop in PyTorch on the .npy files in `dataDir`, or undefined when no python3 has torch. */
export const pytorchE2e = async (dataDir: string, epochs: number, batch: number, threads: number): Promise<TorchE2e | undefined> => {
  const python = torchPython()
  if (python === undefined) return undefined
  const r = spawnSync(python, [join(here, 'pytorch_lenet_e2e.py'), '--data', dataDir, '--epochs', String(epochs), '--batch', String(batch), '--threads', String(threads)], { encoding: 'utf8', cwd: here })
  return lastJsonLine<TorchE2e>('pytorch_lenet_e2e.py', r)
}
