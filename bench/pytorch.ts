/**
 * PyTorch CPU reference: runs bench/pytorch_lenet.py (same LeNet, SGD, random batch) with the first
 * python3 that can import torch, and parses its "<ms> ms/step" line.
 */
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const script = join(dirname(fileURLToPath(import.meta.url)), 'pytorch_lenet.py')
const candidates = ['python3', '/usr/bin/python3', 'python']

/** The PyTorch step time, or undefined when no python3 has torch or the script fails. */
export const pytorchStep = async (batch: number, steps: number, threads: number): Promise<{ msPerStep: number; version: string; threads: number } | undefined> => {
  const python = candidates.find((p) => spawnSync(p, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0)
  if (python === undefined) return undefined
  const r = spawnSync(python, [script, '--threads', String(threads), '--steps', String(steps), '--batch', String(batch)], { encoding: 'utf8' })
  const m = /pytorch (\S+) \((\d+) threads\): ([\d.]+) ms\/step/.exec(r.stdout ?? '')
  return m ? { version: m[1]!, threads: Number(m[2]), msPerStep: Number(m[3]) } : undefined
}
