import { CommanderError } from 'commander';
import { DetError } from '@det/registry';
import type { CliIO } from './io';

/**
 * Turns an error from a command into stderr text and an exit code. User errors (DetError, which
 * includes config and plugin errors) get their message only; anything else is a bug in det or a
 * plugin, so it keeps its stack.
 */
export function reportError(err: unknown, io: CliIO, debug: boolean): number {
  if (err instanceof CommanderError) {
    // Commander already wrote its message (or the help/version text).
    return err.exitCode;
  }
  const e = err instanceof Error ? err : new Error(String(err));
  if (err instanceof DetError) {
    io.err(`det: error: ${e.message}\n`);
    if (debug) io.err(`${e.stack ?? ''}\n${causeStack(e)}`);
    else io.err('(run with --debug for the stack trace)\n');
    return 1;
  }
  io.err(`det: internal error: ${e.message}\n${e.stack ?? ''}\n${causeStack(e)}`);
  return 2;
}

function causeStack(e: Error): string {
  const cause = (e as { cause?: unknown }).cause;
  if (!cause) return '';
  const stack = (cause as { stack?: string }).stack ?? String(cause);
  return `Caused by: ${stack}\n`;
}
