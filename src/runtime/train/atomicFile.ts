/**
 * Atomic file replacement: write a temp file beside the target, flush it to disk, then rename over the target.
 * A crash at any point leaves either the old complete file or the new complete file, never a partial one
 * (rename is atomic within a directory on POSIX file systems). The file operations are injectable so tests can
 * simulate a crash mid-write.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises'
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

/**
 * Temp files are named `<target><TEMP_MARK><pid>-<hex>` (the writer's process id, then random hex), so readers
 * can recognise and ignore them and a later run can tell whether their writer is still alive.
 */
export const TEMP_MARK = '.tmp-'

/** The name of a temp file for `file`, owned by this process. */
export const tempNameFor = (file: string): string => `${file}${TEMP_MARK}${process.pid}-${randomBytes(4).toString('hex')}`

/** `<target>.tmp-<pid>-<hex>` (TEMP_MARK is '.tmp-'), or probeWritable's `.typegrad-probe-<pid>-<hex>`. */
const TEMP_NAME = /^(?:.+\.tmp-|\.typegrad-probe-)(\d+)-[0-9a-f]+$/

/**
 * The writer's process id of a temp file name (`checkpoint.json.tmp-4242-9f3a01bc` -> 4242, also
 * {@link probeWritable}'s probe files); undefined for any other name.
 */
export const tempWriterPid = (name: string): number | undefined => {
  const m = TEMP_NAME.exec(name)
  return m === null ? undefined : Number(m[1])
}

/** Whether process `pid` exists (EPERM: it exists but belongs to another user). */
export const processAlive = (pid: number): boolean => {
  if (pid === process.pid) return true
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Removes the temp files in `dir` (not below it) whose writer process is gone: what a killed run left
 * behind. A temp of a live process (this one included) is kept, as it may be mid-write. A missing `dir`
 * has none. Resolves with the removed paths.
 * @example await removeStaleTempFiles('out') // ['out/checkpoint.json.tmp-4242-9f3a01bc']
 */
export const removeStaleTempFiles = async (dir: string, alive: (pid: number) => boolean = processAlive): Promise<string[]> => {
  const names = await readdir(dir).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' || e.code === 'ENOTDIR' ? [] : Promise.reject(e)))
  const removed: string[] = []
  for (const name of names.sort()) {
    const pid = tempWriterPid(name)
    if (pid === undefined || alive(pid)) continue
    const path = join(dir, name)
    await rm(path, { force: true })
    removed.push(path)
  }
  return removed
}

/**
 * {@link removeStaleTempFiles} as a task: call it on `--out` when a run starts, before anything is written.
 * Left (WriteFailed naming `dir`) when the directory cannot be listed or a stale temp cannot be removed.
 * @example await removeStaleTemps('out')() // Right(['out/checkpoint.json.tmp-4242-9f3a01bc'])
 */
export const removeStaleTemps = (dir: string, alive: (pid: number) => boolean = processAlive): TE.TaskEither<TrainError, string[]> =>
  TE.tryCatch(() => removeStaleTempFiles(dir, alive), (e) => trainError.writeFailed(dir, e))

/**
 * Replaces `file` with `data` atomically.
 * @example await writeAtomic('out/checkpoint.json', text)() // Right(undefined)
 */
export const writeAtomic = (file: string, data: string | Uint8Array, ops: FileOps = nodeFileOps): TE.TaskEither<TrainError, void> => {
  const temp = tempNameFor(file)
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
