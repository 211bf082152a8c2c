/**
 * The harness as a library: `runBench(options, { onProgress })` runs a benchmark and resolves
 * with its result. Exported here is what a caller needs to run one, follow it, and read its
 * result; the CLI, the dashboard and the tests reach into the rooms themselves.
 */
export { runBench, type RunBenchHooks } from './run.js';
export { resolveBenchOptions, type BenchOptions, type ResolvedBenchOptions } from './options.js';
export { BENCH_DEFAULTS } from './defaults.js';
export { SCENARIO_NAMES } from './scenarios/registry.js';
export { TargetError } from './target/control-client.js';
export { OptionError, WirelabError } from '../wire/errors.js';
export { PROTOCOL_NAMES, type ProtocolName } from '../wire/protocols.js';
export { RESULT_SCHEMA } from '../wire/result-schema.js';
export { type ResultFiles } from './result-files.js';
export { METRICS, findMetric, type MetricDefinition, type MetricUnit } from './report/metrics.js';
export { decodeHistogram } from './report/histogram.js';
export { resultsToCsv, timeseriesToCsv } from './report/csv.js';
export type * from './report/types.js';
