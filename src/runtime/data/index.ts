/**
 * The data layer: IDX reading/writing, the Fashion-MNIST loader with its cache, and batching.
 * Example: `pipe(loadFashionMnist({}), TE.map(({ train }) => batches(train, { batchSize: 256, shuffle: true, seed: 0, epoch: 0 })))`.
 */
export * from './errors.js'
export * from './idx.js'
export * from './idxFiles.js'
export * from './split.js'
export * from './dataset.js'
export * from './fashionMnistJson.js'
export * from './cache.js'
export * from './fashionMnist.js'
export * from './batches.js'
export * from './examples.js'
export * from './sources.js'
