/**
 * What a scenario is (the k6 executor pattern): one module per scenario implements this
 * interface and is registered in registry.ts; the harness asks it instead of branching on its
 * name. Adding a scenario is one module, one registry line, its name in `ScenarioName` (the
 * result contract) and its page in docs/scenarios/.
 */
import { OptionError } from '../../wire/errors.js';
import type { Histogram } from '../report/histogram.js';
import type {
  DropKind,
  DropSettings,
  EncodedHistograms,
  PingCounts,
  ProtocolResult,
  RecordedOptions,
  ScenarioName,
} from '../report/types.js';

/** A drop the harness will cause, `atMs` after the window opens. */
export interface PlannedDrop {
  readonly atMs: number;
  readonly kind: DropKind;
}

/** The drop flags as given (`--drop-at`, `--drop-every`, `--restart`). */
export interface DropInput {
  readonly dropAtMs?: readonly number[] | undefined;
  readonly dropEveryMs?: number | undefined;
  readonly restart?: boolean | undefined;
  /** `--broker-restart` (scenario `failover`). */
  readonly brokerRestart?: boolean | undefined;
}

/** What a scenario's checks need to know about the rest of the run. */
export interface ScenarioContext {
  /** The measuring window, resolved (the scenario's default when the user gave none). */
  readonly durationMs: number;
  /** The `--target` server, when the run does not spawn its own. */
  readonly target: string | undefined;
  /** Feed server instances (`--servers`); 1 without a broker. */
  readonly servers: number;
}

/** The run-wide defaults a scenario may change (when the user does not set them). */
export interface ScenarioDefaults {
  readonly clients?: number;
  readonly warmupMs?: number;
  readonly rate?: number;
  readonly durationMs?: number;
  readonly idleMs?: number;
  readonly capacityDurationMs?: number;
}

/** What the workers recorded for the scenario's own figures, merged over every worker. */
export interface ScenarioRecordings {
  readonly pingRaw: Histogram;
  readonly pingCorrected: Histogram;
  /** What became of the scheduled PINGs. */
  readonly pingCounts: PingCounts;
}

/** A scenario's own part of a protocol's result. */
export interface ScenarioSection {
  readonly ping: ProtocolResult['ping'];
  readonly histograms: Pick<EncodedHistograms, 'ping'>;
}

export interface Scenario {
  readonly name: ScenarioName;
  /** One line for `--help`: what the scenario does. */
  readonly summary: string;
  /** What it changes in BENCH_DEFAULTS when the user does not say. */
  readonly defaults: ScenarioDefaults;
  /** Each client sends a PING every `pingIntervalMs` of the window, besides receiving. */
  readonly clientsPing: boolean;
  /** Checks the drop flags against the scenario and the window; throws an OptionError naming the flag. */
  resolveDrops(input: DropInput, context: ScenarioContext): DropSettings;
  /** The thresholds a run gets when the user gives none: the seeds' promises for what it measures. */
  thresholds(pollIntervalMs: number): string[];
  /** The drops it makes in the window; empty when none. */
  dropPlan(options: Pick<RecordedOptions, 'drops'>): PlannedDrop[];
  /** What it adds to the run's header line (it may read a result written by an older version). */
  header(options: RecordedOptions): string[];
  /** Its own part of a protocol's result. */
  resultSection(recorded: ScenarioRecordings): ScenarioSection;
}

/** No drops at all. */
export const NO_DROPS: DropSettings = Object.freeze({ atMs: Object.freeze([]), restart: false });

/** A scenario without drops refuses the drop flags (scenario `reconnect` is the one that takes them). */
export function refuseDrops(input: DropInput): DropSettings {
  const only = 'only applies to --scenario reconnect';
  if (input.dropAtMs !== undefined) throw new OptionError('--drop-at', only);
  if (input.dropEveryMs !== undefined) throw new OptionError('--drop-every', only);
  if (input.restart === true) throw new OptionError('--restart', only);
  if (input.brokerRestart === true) throw new OptionError('--broker-restart', 'only applies to --scenario failover');
  return NO_DROPS;
}

/** A section with nothing of the scenario's own. */
export const NO_SECTION: ScenarioSection = Object.freeze({ ping: null, histograms: Object.freeze({}) });
