import type { Command } from 'commander';
import { registerEnvCommand } from './env';
import { registerEvalCommand } from './eval';
import { registerListCommand } from './list';
import { registerPrintConfigCommand } from './print-config';
import { registerTrainCommand } from './train';
import { registerTestCommand } from './test';
import { registerInferCommand } from './infer';
import { registerDemoCommand } from './demo';
import { registerAnalyzeLogsCommand } from './analyze-logs';

/** Every `det` command, one register function each; add a line for a new command file. */
export const COMMANDS: ReadonlyArray<(program: Command) => void> = [
  registerListCommand,
  registerPrintConfigCommand,
  registerEnvCommand,
  registerEvalCommand,
  registerTrainCommand,
  registerTestCommand,
  registerInferCommand,
  registerDemoCommand,
  registerAnalyzeLogsCommand,
];
