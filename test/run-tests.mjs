// `npm test`'s runner: vitest with no colour codes where nobody sees colour, i.e. under CI
// (vitest's colour library turns colour on for any CI variable) or when stdout is not a
// terminal; FORCE_COLOR or NO_COLOR set by the user wins. Arguments go on to `vitest run`.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const env = { ...process.env };
const ci = env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0';
if (!('FORCE_COLOR' in env) && !('NO_COLOR' in env) && (ci || process.stdout.isTTY !== true)) env.NO_COLOR = '1';
// Without this, a variable CI (even CI=false) alone would still turn colour on in vitest.
if ('NO_COLOR' in env) delete env.FORCE_COLOR;

// vitest's command (package.json bin); the package exports no path to it.
const vitest = fileURLToPath(new URL('../node_modules/vitest/vitest.mjs', import.meta.url));
const child = spawn(process.execPath, [vitest, 'run', ...process.argv.slice(2)], { env, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal === null ? 1 : 128)));
