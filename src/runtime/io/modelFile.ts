/**
 * The typegrad model file: a plain safetensors file (see ./safetensors.ts for the byte layout) holding
 * every parameter of a model as an F32 tensor named by its path (`0.weight`, `3.bias`, ...), laid out in the
 * model's parameter order, with this `__metadata__`:
 *
 *     format       "typegrad.model"
 *     version      "1"                       (the version of this layout; a newer one is refused by name)
 *     fingerprint  the model's structure: JSON of [[name, shape], ...] in parameter order,
 *                  e.g. [["0.weight",[6,1,5,5]],["0.bias",[6]],...]  (see {@link fingerprintOf})
 *     sha256       lowercase hex SHA-256 of the byte buffer (all tensor bytes, i.e. the file after 8 + N)
 *     createdBy    "typegrad <package version>"
 *     ...          any other string metadata the caller added (e.g. a description)
 *
 * Loading checks, in this order: the safetensors structure, the format and version, the checksum (so a
 * damaged file says it is damaged), that the header agrees with the fingerprint and holds only F32, and last
 * that the file's parameters are the model's (naming the first one that differs, with both shapes).
 * Writing is atomic (temp file, fsync, rename): an interrupted save leaves the previous file or none.
 *
 * Any safetensors reader opens it, e.g. in Python:
 *
 *     from safetensors.numpy import load_file
 *     from safetensors import safe_open
 *     params = load_file("lenet.safetensors")          # {'0.weight': array(shape (6, 1, 5, 5), float32), ...}
 *     with safe_open("lenet.safetensors", "np") as f:
 *         meta = f.metadata()                            # {'format': 'typegrad.model', 'version': '1', ...}
 *     import hashlib, struct
 *     raw = open("lenet.safetensors", "rb").read()
 *     n = struct.unpack("<Q", raw[:8])[0]
 *     assert hashlib.sha256(raw[8 + n:]).hexdigest() == meta["sha256"]
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import * as E from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { pipe } from 'fp-ts/lib/function.js'
import { sameShape } from '../../dsl/shape.js'
import type { Tensor } from '../../dsl/tensor.js'
import { type FileOps, nodeFileOps, writeAtomic } from '../train/atomicFile.js'
import { type ModelFileError, type ModelFileErrorKind, modelFileError, quoteName, showShape } from './errors.js'
import { METADATA_KEY, type Safetensors, decodeSafetensors, encodeSafetensorsEntries, tensorBytes } from './safetensors.js'

/** The `format` metadata of a typegrad model file. */
export const MODEL_FILE_FORMAT = 'typegrad.model'
/** The layout version this code writes and reads. */
export const MODEL_FILE_VERSION = 1
/** Metadata keys typegrad fills in itself; callers' extra metadata may not use them. */
export const RESERVED_METADATA = ['format', 'version', 'fingerprint', 'sha256', 'createdBy'] as const

/**
 * One parameter of a model: its name (path) and concrete shape.
 * @example const slot: ParamSlot = { name: '0.weight', shape: [6, 1, 5, 5] }
 */
export interface ParamSlot {
  readonly name: string
  readonly shape: readonly number[]
}

/** A decoded and verified model file. */
export interface ModelFile {
  /**
   * The parameters by name, in the saved model's order (as far as a JS object keeps insertion order:
   * integer-like names such as '12' come first).
   */
  readonly params: Record<string, Tensor>
  /** The saved model's structure, as its fingerprint records it. */
  readonly slots: readonly ParamSlot[]
  /** All metadata, typegrad's own keys included. */
  readonly metadata: Record<string, string>
}

/** How a model file is read; injectable so tests need no file system tricks. */
export interface ReadOps {
  readBytes(file: string): Promise<Uint8Array>
}

/** Node's file system. */
export const nodeReadOps: ReadOps = { readBytes: (file) => readFile(file) }

/**
 * The model's structure as a string: equal for two models exactly when they have the same parameter names,
 * order and shapes.
 *
 * @example fingerprintOf([{ name: '0.weight', shape: [6, 1, 5, 5] }, { name: '0.bias', shape: [6] }]) // '[["0.weight",[6,1,5,5]],["0.bias",[6]]]'
 */
export const fingerprintOf = (specs: readonly ParamSlot[]): string => JSON.stringify(specs.map((s) => [s.name, [...s.shape]]))

let version: string | undefined
/** Read lazily, so importing this module touches no file; `../../../package.json` is the root from src/ and dist/. */
const packageVersion = (): string => {
  if (version === undefined) {
    try {
      version = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version
    } catch {
      version = 'unknown'
    }
  }
  return version
}

const fail = (kind: ModelFileErrorKind, path: string, message: string): E.Either<ModelFileError, never> => E.left(modelFileError(kind, path, message))

/** The first way `params` fail to be the model's parameters, or the (name, tensor) pairs in model order. */
const checkParams = (params: Readonly<Record<string, Tensor>>, specs: readonly ParamSlot[]): E.Either<string, (readonly [string, Tensor])[]> => {
  const names = new Set<string>()
  const out: (readonly [string, Tensor])[] = []
  // The model's own declarations first: a value cannot be right for a slot that is wrong.
  for (const s of specs) {
    const at = `parameter ${quoteName(s.name)}`
    if (s.name === METADATA_KEY) return E.left(`${at}: the name is reserved by safetensors`)
    if (names.has(s.name)) return E.left(`${at} appears twice in the model`)
    names.add(s.name)
    if (!s.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) return E.left(`${at}: the model declares shape ${showShape(s.shape)}; dims must be non-negative integers`)
  }
  for (const s of specs) {
    const at = `parameter ${quoteName(s.name)}`
    const t = Object.hasOwn(params, s.name) ? params[s.name] : undefined
    if (t === undefined) return E.left(`${at} of the model has no value`)
    if (!sameShape(t.shape, s.shape)) return E.left(`${at} has shape ${showShape(t.shape)} but the model declares ${showShape(s.shape)}`)
    const n = s.shape.reduce((a, d) => a * d, 1)
    if (!(t.data instanceof Float32Array) || t.data.length !== n) return E.left(`${at} holds ${t.data?.length} values but shape ${showShape(s.shape)} needs ${n}`)
    for (let k = 0; k < t.data.length; k++) if (!Number.isFinite(t.data[k])) return E.left(`${at} has a non-finite value (${t.data[k]}) at index ${k}`)
    out.push([s.name, t])
  }
  for (const name of Object.keys(params)) if (!names.has(name)) return E.left(`there is a value for ${quoteName(name)}, which is not a parameter of the model`)
  return E.right(out)
}

/**
 * The bytes of a model file, after checking that `params` are exactly the parameters `specs` describe
 * (names, shapes, finite values) and that `extraMeta` avoids the reserved keys. `path` only names the file
 * in messages.
 *
 * @example
 * encodeModelFile('m.safetensors', { w: { shape: [1], data: new Float32Array([NaN]) } }, [{ name: 'w', shape: [1] }])
 * // Left({ kind: 'params', message: "m.safetensors: not saved: parameter 'w' has a non-finite value (NaN) at index 0" })
 */
export const encodeModelFile = (
  path: string,
  params: Readonly<Record<string, Tensor>>,
  specs: readonly ParamSlot[],
  extraMeta: Readonly<Record<string, string>> = {},
): E.Either<ModelFileError, Uint8Array> => {
  const notSaved = (why: string) => fail('params', path, `${path}: not saved: ${why}`)
  for (const [k, v] of Object.entries(extraMeta)) {
    if ((RESERVED_METADATA as readonly string[]).includes(k)) return notSaved(`metadata key ${quoteName(k)} is reserved for typegrad`)
    if (typeof v !== 'string') return notSaved(`metadata ${quoteName(k)} is not a string`)
  }
  const checked = checkParams(params, specs)
  if (E.isLeft(checked)) return notSaved(checked.left)
  const hash = createHash('sha256')
  for (const [, t] of checked.right) hash.update(tensorBytes(t))
  const metadata: Record<string, string> = {
    format: MODEL_FILE_FORMAT,
    version: String(MODEL_FILE_VERSION),
    fingerprint: fingerprintOf(specs),
    sha256: hash.digest('hex'),
    createdBy: `typegrad ${packageVersion()}`,
    ...extraMeta,
  }
  return E.right(encodeSafetensorsEntries(checked.right, metadata))
}

/** The fingerprint's [name, shape] pairs, or undefined when it is not such a list. */
const parseFingerprint = (text: string): ParamSlot[] | undefined => {
  let j: unknown
  try {
    j = JSON.parse(text)
  } catch {
    return undefined
  }
  if (!Array.isArray(j)) return undefined
  const slots: ParamSlot[] = []
  for (const p of j as unknown[]) {
    if (!Array.isArray(p) || p.length !== 2 || typeof p[0] !== 'string' || !Array.isArray(p[1])) return undefined
    const shape = p[1] as unknown[]
    if (!shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) return undefined
    slots.push({ name: p[0], shape: shape as number[] })
  }
  return slots
}

/** The header's tensors must be exactly the fingerprint's (in any order: other safetensors writers sort by name). */
const checkFingerprint = (path: string, st: Safetensors, fingerprint: string): E.Either<ModelFileError, readonly ParamSlot[]> => {
  const damaged = (why: string) => fail('corrupt', path, `${path}: the file is damaged: ${why}`)
  const slots = parseFingerprint(fingerprint)
  if (slots === undefined) return damaged('its fingerprint is not a list of [name, shape] pairs')
  const recorded = new Map<string, readonly number[]>()
  for (const s of slots) {
    if (recorded.has(s.name)) return damaged(`its fingerprint lists parameter ${quoteName(s.name)} twice`)
    recorded.set(s.name, s.shape)
  }
  for (const e of st.entries) {
    const shape = recorded.get(e.name)
    if (shape === undefined) return damaged(`the header has parameter ${quoteName(e.name)}, which its fingerprint does not list`)
    if (!sameShape(shape, e.shape))
      return damaged(`the header gives parameter ${quoteName(e.name)} shape ${showShape(e.shape)} but its fingerprint records ${showShape(shape)}`)
  }
  const stored = new Set(st.entries.map((e) => e.name))
  const missing = slots.find((s) => !stored.has(s.name))
  if (missing !== undefined) return damaged(`its fingerprint lists parameter ${quoteName(missing.name)}, which the header does not have`)
  return E.right(slots)
}

/**
 * Decodes and verifies a model file's bytes without a model at hand: the safetensors structure, the format
 * and version, the checksum, F32 tensors only, and the header against the fingerprint. `path` only names
 * the file in messages.
 *
 * @example
 * const file = decodeModelFile('lenet.safetensors', bytes) // Right({ params, slots: [{ name: '0.weight', shape: [6, 1, 5, 5] }, ...], metadata })
 */
export const decodeModelFile = (path: string, bytes: Uint8Array): E.Either<ModelFileError, ModelFile> => {
  const decoded = decodeSafetensors(bytes)
  if (E.isLeft(decoded)) return fail('corrupt', path, `${path}: the file is damaged or not a safetensors file: ${decoded.left.message}`)
  const st = decoded.right
  const meta = st.metadata
  const has = (k: string): boolean => Object.hasOwn(meta, k)
  if (!has('format')) return fail('format', path, `${path} is not a typegrad model file: its metadata has no 'format'`)
  if (meta['format'] !== MODEL_FILE_FORMAT)
    return fail('format', path, `${path} is not a typegrad model file: its metadata 'format' is ${quoteName(meta['format']!)}, not '${MODEL_FILE_FORMAT}'`)
  if (!has('version')) return fail('format', path, `${path}: the model file's metadata has no 'version'`)
  const v = meta['version']!
  if (v !== String(MODEL_FILE_VERSION)) {
    const newer = /^[1-9][0-9]{0,8}$/.test(v) && Number(v) > MODEL_FILE_VERSION
    const by = has('createdBy') ? ` by ${quoteName(meta['createdBy']!)}` : ''
    return fail(
      'version',
      path,
      newer
        ? `${path} was written${by} in model file version ${v}; this typegrad reads version ${MODEL_FILE_VERSION}: upgrade typegrad to load it`
        : `${path}: unsupported model file version ${quoteName(v)} (this typegrad reads version ${MODEL_FILE_VERSION})`,
    )
  }
  const expected = has('sha256') ? meta['sha256']! : undefined
  if (expected === undefined || !/^[0-9a-f]{64}$/.test(expected))
    return fail('corrupt', path, `${path}: the file is damaged: its metadata 'sha256' is ${expected === undefined ? 'missing' : 'not 64 lowercase hex digits'}`)
  const actual = createHash('sha256').update(bytes.subarray(st.dataStart)).digest('hex')
  if (actual !== expected) return fail('checksum', path, `${path}: checksum mismatch: the file is damaged (expected ${expected}, got ${actual})`)
  const notF32 = st.entries.find((e) => e.dtype !== 'F32')
  if (notF32 !== undefined) return fail('format', path, `${path}: tensor ${quoteName(notF32.name)} is stored as ${notF32.dtype}; typegrad model files hold F32 only`)
  if (!has('fingerprint')) return fail('corrupt', path, `${path}: the file is damaged: its metadata has no 'fingerprint'`)
  const slots = checkFingerprint(path, st, meta['fingerprint']!)
  if (E.isLeft(slots)) return slots
  return E.right({ params: Object.fromEntries(slots.right.map((s) => [s.name, st.tensors[s.name]!])), slots: slots.right, metadata: meta })
}

/**
 * The file's parameters in the model's order when the file was saved from a model with exactly these
 * parameters; otherwise a `mismatch` naming the first parameter (in model order) that differs.
 *
 * @example
 * matchModel('lenet.safetensors', file, [{ name: '3.weight', shape: [16, 8, 5, 5] }, ...])
 * // Left("lenet.safetensors was saved from a different model: parameter '3.weight' has shape [16, 6, 5, 5] in the file but [16, 8, 5, 5] in the model")
 */
export const matchModel = (path: string, file: ModelFile, specs: readonly ParamSlot[]): E.Either<ModelFileError, Record<string, Tensor>> => {
  const different = (why: string) => fail('mismatch', path, `${path} was saved from a different model: ${why}`)
  const inFile = new Map(file.slots.map((s) => [s.name, s.shape]))
  for (const s of specs) {
    const shape = inFile.get(s.name)
    if (shape === undefined) return different(`parameter ${quoteName(s.name)} of the model is not in the file`)
    if (!sameShape(shape, s.shape)) return different(`parameter ${quoteName(s.name)} has shape ${showShape(shape)} in the file but ${showShape(s.shape)} in the model`)
  }
  const inModel = new Set(specs.map((s) => s.name))
  const extra = file.slots.find((s) => !inModel.has(s.name))
  if (extra !== undefined) return different(`the file has parameter ${quoteName(extra.name)} that the model does not have`)
  return E.right(Object.fromEntries(specs.map((s) => [s.name, file.params[s.name]!])))
}

/**
 * Saves a model's parameters to `path` as a typegrad model file, atomically. Left (and nothing written)
 * when the params are not exactly the model's or hold NaN/Infinity; Left when the write fails, leaving the
 * previous file (if any) untouched.
 *
 * @example
 * await saveModelFile('out/lenet.safetensors', params, slots, { description: 'LeNet-5, 10 epochs' })()
 * // Right({ path: 'out/lenet.safetensors', bytes: 247984 })
 */
export const saveModelFile = (
  path: string,
  params: Readonly<Record<string, Tensor>>,
  specs: readonly ParamSlot[],
  extraMeta: Readonly<Record<string, string>> = {},
  files: FileOps = nodeFileOps,
): TE.TaskEither<ModelFileError, { readonly path: string; readonly bytes: number }> =>
  pipe(
    TE.fromEither(encodeModelFile(path, params, specs, extraMeta)),
    TE.chain((bytes) =>
      pipe(
        writeAtomic(path, bytes, files),
        TE.bimap(
          (e) => modelFileError('write', path, e.message),
          () => ({ path, bytes: bytes.length }),
        ),
      ),
    ),
  )

const readFailure = (path: string, e: unknown): ModelFileError => {
  const code = (e as NodeJS.ErrnoException | undefined)?.code
  const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : `cannot read (${e instanceof Error ? e.message : String(e)})`
  return modelFileError('read', path, `${path}: ${why}`)
}

/**
 * Loads the parameters of the model described by `specs` from a typegrad model file, verifying it
 * (see the checks at the top of this file). The tensors come back by name in the model's order (integer-like
 * names, which JS objects always list first, aside).
 *
 * @example
 * await loadModelFile('out/lenet.safetensors', slots)()
 * // Right({ '0.weight': { shape: [6, 1, 5, 5], data: Float32Array(150) }, ... })
 * // or Left({ kind: 'checksum', message: 'out/lenet.safetensors: checksum mismatch: the file is damaged (expected 3f…, got 9a…)' })
 */
export const loadModelFile = (path: string, specs: readonly ParamSlot[], files: ReadOps = nodeReadOps): TE.TaskEither<ModelFileError, Record<string, Tensor>> =>
  pipe(
    TE.tryCatch(
      () => files.readBytes(path),
      (e) => readFailure(path, e),
    ),
    TE.chainEitherK((bytes) => decodeModelFile(path, bytes)),
    TE.chainEitherK((file) => matchModel(path, file, specs)),
  )
