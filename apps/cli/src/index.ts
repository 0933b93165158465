// @det/cli public API: run the CLI in-process, and helpers for command files.
export { run, buildProgram, cliVersion } from './main';
export { COMMANDS } from './commands';
export { addCommonOptions, applyCommonOptions, type CommonOptions, type CommonOptionName } from './common-options';
export { cliIO, printData, printJson, type CliIO } from './io';
export { loadCoreLibs } from './core-libs';
export { prepareConfig } from './prepare-config';
// The logic behind train / test / infer / demo / analyze-logs (like mmdet.apis).
export * from './api';
