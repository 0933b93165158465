import * as path from 'node:path';

/** `work_dirs/<config name>` when neither `--work-dir` nor the config's `workDir` says otherwise (MMDetection's rule). */
export function defaultWorkDir(configFile: string): string {
  const base = path.basename(configFile).replace(/\.(ts|js|cjs|mjs|json|ya?ml)$/i, '');
  return path.resolve('work_dirs', base);
}
