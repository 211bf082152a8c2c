/**
 * The harness as a library: `runBench(options, { onProgress })` resolves a BenchResult; the
 * rest are the pieces the CLI and the dashboard build on.
 */
export { runBench, type RunBenchHooks } from './run.js';
export { resolveBenchOptions, recordedOptions, needsNetworkProxy, SCENARIOS, RESERVED_SCENARIOS, type BenchOptions, type ResolvedBenchOptions, type RecordedOptions } from './options.js';
export { BenchOptionError } from './option-error.js';
export { TargetError, ControlClient, type ServerStatsSnapshot, type FeedSettings } from './target/control-client.js';
export { BENCH_DEFAULTS, defaultThresholds, defaultWorkers } from './defaults.js';
export { parseThreshold, evaluateThresholds, type Threshold } from './report/thresholds.js';
export { METRICS, metricByKey, findMetric, type MetricDefinition, type MetricUnit } from './report/metrics.js';
export { createHistogram, encodeHistogram, decodeHistogram, addEncoded, summarize, type Histogram } from './report/histogram.js';
export { CSV_COLUMNS, TIMESERIES_CSV_COLUMNS, TIMESERIES_METRICS, csvLine, csvRow, metricColumn, resultsToCsv, resultToCsv, timeseriesToCsv } from './report/csv.js';
export { formatBytes, formatCount, formatDurationMs, formatMetric, formatMicros, formatMillis } from './report/format.js';
export { formatHeader, formatTable, formatTotal, formatProtocolLine, formatDropLine, describeNetwork } from './cli/print.js';
export { planDrops, type PlannedDrop } from './measure/drops.js';
export { writeResultFiles, resultFilePaths, type ResultFiles } from './result-files.js';
export { spawnServer, type SpawnedServer, type SpawnServerOptions } from './target/spawn.js';
export { parseCount, parseDuration, parseSize, UnitError } from './cli/units.js';
export { RESULT_SCHEMA } from './report/types.js';
export type * from './report/types.js';
