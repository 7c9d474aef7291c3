/**
 * Property tests run from a fixed seed so that CI is reproducible; set FC_SEED to another number (or
 * FC_SEED=random) to explore new cases locally. A failure prints its seed and path for replay.
 */
import fc from 'fast-check'

const env = process.env['FC_SEED']
if (env !== 'random') fc.configureGlobal({ seed: env === undefined ? 20261129 : Number(env) })
