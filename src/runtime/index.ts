/** typegrad's runtime: backends, data, the training pipeline and reports. */
export { selectBackend, availableBackends } from './backends/select.js'
export { type BackendName, type BackendChoice, type BackendInfo, type BackendError, BACKEND_NAMES } from './backends/types.js'
export { loadFashionMnist, batches, type Dataset, type Split, type DataError } from './data/index.js'
export { train, defaultEnv, validateConfig, type TrainConfig, type TrainError, type TrainReport } from './train/index.js'
export { formatSummary } from './report/summary.js'
