/**
 * Typed failures of the data layer. Every defect in an input file is reported here, naming the
 * file, so that nothing malformed ever reaches a kernel.
 */

/** One way a data file (or the data directory) can be unusable. Every variant carries `message`. */
export type DataError =
  | { readonly _tag: 'FileNotFound'; readonly file: string; readonly message: string }
  | { readonly _tag: 'ReadFailed'; readonly file: string; readonly cause: string; readonly message: string }
  | { readonly _tag: 'WriteFailed'; readonly file: string; readonly cause: string; readonly message: string }
  | { readonly _tag: 'BadGzip'; readonly file: string; readonly cause: string; readonly message: string }
  | {
      readonly _tag: 'BadMagic'
      readonly file: string
      readonly expected: string
      readonly got: string
      readonly message: string
    }
  | {
      readonly _tag: 'Truncated'
      readonly file: string
      readonly expectedBytes: number
      readonly gotBytes: number
      readonly message: string
    }
  | {
      readonly _tag: 'TrailingBytes'
      readonly file: string
      readonly expectedBytes: number
      readonly gotBytes: number
      readonly message: string
    }
  | {
      readonly _tag: 'CountMismatch'
      readonly file: string
      readonly imagesFile: string
      readonly images: number
      readonly labels: number
      readonly message: string
    }
  | {
      readonly _tag: 'BadImageDims'
      readonly file: string
      readonly expected: readonly [number, number]
      readonly got: readonly [number, number]
      readonly message: string
    }
  | {
      readonly _tag: 'LabelOutOfRange'
      readonly file: string
      readonly index: number
      readonly label: number
      readonly numClasses: number
      readonly message: string
    }
  | { readonly _tag: 'BadSourceJson'; readonly file: string; readonly cause: string; readonly message: string }
  | {
      readonly _tag: 'TooFewValidImages'
      readonly file: string
      readonly label: number
      readonly valid: number
      readonly required: number
      readonly message: string
    }

  | { readonly _tag: 'BadArrays'; readonly file: string; readonly message: string }

/** The tag names of {@link DataError}, e.g. `'BadMagic'`. */
export type DataErrorTag = DataError['_tag']

const hex32 = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`

/**
 * Constructors that fill in `message`. Example:
 * `dataError.badMagic('x.idx', 0x803, 0x801)` →
 * `{ _tag: 'BadMagic', file: 'x.idx', expected: '0x00000803', got: '0x00000801', message: ... }`.
 */
export const dataError = {
  fileNotFound: (file: string, alsoTried: ReadonlyArray<string> = []): DataError => ({
    _tag: 'FileNotFound',
    file,
    message: `${file}: file not found` + (alsoTried.length > 0 ? ` (also tried ${alsoTried.join(', ')})` : ''),
  }),
  readFailed: (file: string, cause: unknown): DataError => ({
    _tag: 'ReadFailed',
    file,
    cause: describe(cause),
    message: `${file}: cannot read (${describe(cause)})`,
  }),
  writeFailed: (file: string, cause: unknown): DataError => ({
    _tag: 'WriteFailed',
    file,
    cause: describe(cause),
    message: `${file}: cannot write (${describe(cause)})`,
  }),
  badGzip: (file: string, cause: unknown): DataError => ({
    _tag: 'BadGzip',
    file,
    cause: describe(cause),
    message: `${file}: starts like gzip but cannot be decompressed (${describe(cause)})`,
  }),
  badMagic: (file: string, expected: number, got: number): DataError => ({
    _tag: 'BadMagic',
    file,
    expected: hex32(expected),
    got: hex32(got),
    message:
      `${file}: bad IDX magic number ${hex32(got)}, expected ${hex32(expected)} ` +
      `(unsigned bytes, rank ${expected & 0xff})`,
  }),
  truncated: (file: string, expectedBytes: number, gotBytes: number): DataError => ({
    _tag: 'Truncated',
    file,
    expectedBytes,
    gotBytes,
    message: `${file}: truncated, header promises ${expectedBytes} bytes but the file has ${gotBytes}`,
  }),
  trailingBytes: (file: string, expectedBytes: number, gotBytes: number): DataError => ({
    _tag: 'TrailingBytes',
    file,
    expectedBytes,
    gotBytes,
    message: `${file}: ${gotBytes - expectedBytes} unexpected bytes after the ${expectedBytes} the header promises`,
  }),
  countMismatch: (labelsFile: string, imagesFile: string, images: number, labels: number): DataError => ({
    _tag: 'CountMismatch',
    file: labelsFile,
    imagesFile,
    images,
    labels,
    message: `${labelsFile}: holds ${labels} labels but ${imagesFile} holds ${images} images`,
  }),
  badImageDims: (
    file: string,
    expected: readonly [number, number],
    got: readonly [number, number],
  ): DataError => ({
    _tag: 'BadImageDims',
    file,
    expected,
    got,
    message: `${file}: images are ${got[0]}x${got[1]}, expected ${expected[0]}x${expected[1]}`,
  }),
  labelOutOfRange: (file: string, index: number, label: number, numClasses: number): DataError => ({
    _tag: 'LabelOutOfRange',
    file,
    index,
    label,
    numClasses,
    message: `${file}: label ${label} at index ${index} is outside 0..${numClasses - 1}`,
  }),
  badSourceJson: (file: string, cause: unknown): DataError => ({
    _tag: 'BadSourceJson',
    file,
    cause: describe(cause),
    message: `${file}: not a fashion-mnist class file (${describe(cause)})`,
  }),
  tooFewValidImages: (file: string, label: number, valid: number, required: number): DataError => ({
    _tag: 'TooFewValidImages',
    file,
    label,
    valid,
    required,
    message: `${file}: class ${label} has only ${valid} valid images, ${required} are needed`,
  }),
  /** In-memory examples that do not fit together (`what` names the array, e.g. 'train.x'). */
  badArrays: (what: string, problem: string): DataError => ({ _tag: 'BadArrays', file: what, message: `${what}: ${problem}` }),
} as const

function describe(cause: unknown): string {
  if (cause instanceof Error) return cause.message
  return String(cause)
}
