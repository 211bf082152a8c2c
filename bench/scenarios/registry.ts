/**
 * Every scenario, by name. A new scenario is one module implementing `Scenario`
 * (scenario.ts), one line here, and its name in `ScenarioName` (report/types.ts).
 */
import type { ScenarioName } from '../report/types.js';
import { broadcast } from './broadcast.js';
import { capacity } from './capacity.js';
import { chat } from './chat.js';
import { failover } from './failover.js';
import { hold } from './hold.js';
import { ping } from './ping.js';
import { reconnect } from './reconnect.js';
import type { Scenario } from './scenario.js';

export const SCENARIOS: Readonly<Record<ScenarioName, Scenario>> = Object.freeze({
  broadcast,
  ping,
  reconnect,
  failover,
  capacity,
  hold,
  chat,
});

/** Every scenario's name, in the order `--help` lists them. */
export const SCENARIO_NAMES: readonly ScenarioName[] = Object.freeze(Object.keys(SCENARIOS) as ScenarioName[]);

/** The scenario called `name`, or undefined for an unknown name. */
export function scenarioNamed(name: string): Scenario | undefined {
  return Object.hasOwn(SCENARIOS, name) ? SCENARIOS[name as ScenarioName] : undefined;
}
