import type { DetEnv } from './collect';

const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;

/** `det env` text: one `label  value` line per fact, values aligned in one column. */
export function formatEnv(env: DetEnv): string[] {
  const rows: [string, string][] = [
    ['Node', env.node],
    ['OS', env.os],
    ['CPU', `${env.cpu.model} (${env.cpu.cores} cores)`],
    ['Memory', `${gib(env.memory.totalBytes)} total, ${gib(env.memory.freeBytes)} free`],
    ...Object.entries(env.detPackages).map(([name, version]): [string, string] => [name, version]),
    ['tfjs-core', env.tfjs],
    ['Backend', env.backend],
    ['sharp', typeof env.sharp === 'string' ? env.sharp : env.sharp.sharp],
    ['libvips', typeof env.sharp === 'string' ? env.sharp : env.sharp.libvips],
    ['Plugins', env.plugins.length ? env.plugins.join(', ') : '(none)'],
    ...Object.entries(env.extra),
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`);
}
