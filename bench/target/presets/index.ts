import { OptionError } from '../../../wire/errors.js';
import { PRESET_NAMES, type Preset, type PresetName, type TargetInput, type TargetPlan } from '../preset.js';
import { genericPreset } from './generic.js';
import { nchanPreset } from './nchan.js';
import { socketioPreset } from './socketio.js';
import { wirelabPreset } from './wirelab.js';

export const PRESETS: Readonly<Record<PresetName, Preset>> = Object.freeze({
  wirelab: wirelabPreset,
  nchan: nchanPreset,
  socketio: socketioPreset,
  generic: genericPreset,
});

/** The plan of the user's target options, or an OptionError naming the flag. */
export function planTarget(input: TargetInput): TargetPlan {
  const preset = PRESETS[input.preset];
  if (preset === undefined) throw new OptionError('--preset', `must be ${PRESET_NAMES.join(', ')}, got ${JSON.stringify(input.preset)}`);
  return preset.plan(input);
}
