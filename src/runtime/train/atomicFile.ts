/**
 * Atomic file replacement: write a temp file beside the target, flush it to disk, then rename over the target.
 * A crash at any point leaves either the old complete file or the new complete file, never a partial one
 * (rename is atomic within a directory on POSIX file systems). The file operations are injectable so tests can
 * simulate a crash mid-write.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, open, rename, rm, stat } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { type TrainError, trainError } from './errors.js'

/** The file operations an atomic write uses. */
export interface FileOps {
  /** Creates or truncates `file`, writes `data` and flushes it to the disk (fsync). */
  writeDurable(file: string, data: string | Uint8Array): Promise<void>
  rename(from: string, to: string): Promise<void>
  remove(file: string): Promise<void>
  mkdirp(dir: string): Promise<void>
}

/** Node's file system. */
export const nodeFileOps: FileOps = {
  writeDurable: async (file, data) => {
    const h = await open(file, 'w')
    try {
      await h.writeFile(data)
      await h.sync()
    } finally {
      await h.close()
    }
  },
  rename: (from, to) => rename(from, to),
  remove: (file) => rm(file, { force: true }),
  mkdirp: (dir) => makeDirs(dir),
}

/**
 * `mkdir -p` one level at a time, bounded by the path's depth. Node 20's `mkdir(dir, { recursive: true })`
 * loops forever under /proc (it keeps retrying a parent it cannot create); this cannot.
 * @example await makeDirs('out/run1/plots')
 */
export const makeDirs = async (dir: string): Promise<void> => {
  const missing: string[] = []
  for (let d = resolve(dir); ; d = dirname(d)) {
    const kind = await stat(d).then(
      (s) => (s.isDirectory() ? 'dir' : 'other'),
      (e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? 'missing' : Promise.reject(e)),
    )
    if (kind === 'dir') break
    if (kind === 'other') throw new Error(`${d} exists and is not a directory`)
    missing.push(d)
    if (dirname(d) === d) break
  }
  for (const d of missing.reverse()) await mkdir(d).catch((e: NodeJS.ErrnoException) => (e.code === 'EEXIST' ? undefined : Promise.reject(e)))
}

/**
 * Checks before any work that `dir` can hold a run's files: creates it if needed, then writes and removes a
 * probe file. Left names the directory and why (an existing file, no permission, a read-only file system).
 * @example await probeWritable('./out')() // Right(undefined)
 */
export const probeWritable = (dir: string, ops: FileOps = nodeFileOps): TE.TaskEither<TrainError, void> => {
  const probe = join(dir, `.typegrad-probe-${process.pid}-${randomBytes(4).toString('hex')}`)
  return TE.tryCatch(
    async () => {
      await ops.mkdirp(dir)
      await ops.writeDurable(probe, '')
      await ops.remove(probe)
    },
    (e) => trainError.writeFailed(dir, e),
  )
}

/** Temp files start with this prefix plus the target's name, so readers can recognise and ignore them. */
export const TEMP_MARK = '.tmp-'

/**
 * Replaces `file` with `data` atomically.
 * @example await writeAtomic('out/checkpoint.json', text)() // Right(undefined)
 */
export const writeAtomic = (file: string, data: string | Uint8Array, ops: FileOps = nodeFileOps): TE.TaskEither<TrainError, void> => {
  const temp = `${file}${TEMP_MARK}${process.pid}-${randomBytes(4).toString('hex')}`
  return TE.tryCatch(
    async () => {
      await ops.mkdirp(dirname(file))
      try {
        await ops.writeDurable(temp, data)
        await ops.rename(temp, file)
      } catch (e) {
        await ops.remove(temp).catch(() => undefined)
        throw e
      }
    },
    (e) => trainError.writeFailed(file, e),
  )
}
