// Public surface of the environment report (re-exported by the package's src/index.ts).
export { collectEnv, type DetEnv } from './collect';
export { formatEnv } from './format';
