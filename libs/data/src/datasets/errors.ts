import { DetError } from '@det/registry';

/** An annotation file is unreadable or breaks the format; the message names the file and the entry. */
export class AnnotationError extends DetError {
  constructor(file: string, entry: string, problem: string) {
    super(`annotation file '${file}', ${entry}: ${problem}`, { file, entry });
  }
}

/** Reads and parses JSON, naming the file on failure. */
export function readJsonFile(file: string, readFile: (f: string) => string): unknown {
  let text: string;
  try {
    text = readFile(file);
  } catch (err) {
    throw new DetError(`cannot read annotation file '${file}': ${(err as Error).message}`, { file });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new DetError(`annotation file '${file}' is not valid JSON: ${(err as Error).message}`, { file });
  }
}
