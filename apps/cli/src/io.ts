/** Where a command writes: data to `out` (stdout), messages to `err` (stderr). */
export interface CliIO {
  out(text: string): void;
  err(text: string): void;
}

export const processIO: CliIO = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

let current: CliIO = processIO;

/** The IO of the command being run (tests pass their own to `run`). */
export const cliIO = (): CliIO => current;

export function setCliIO(io: CliIO): CliIO {
  const previous = current;
  current = io;
  return previous;
}

/** Writes `text` to stdout, adding the final newline if missing. */
export function printData(text: string): void {
  current.out(text.endsWith('\n') ? text : `${text}\n`);
}

export function printJson(value: unknown): void {
  printData(JSON.stringify(value, null, 2));
}
