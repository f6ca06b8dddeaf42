import type { Payload } from 'ctxpack';
import { CliError } from './cli-error.js';
import type { CliIo } from './cli-io.js';
import { parseJsonInput, readInput } from './read-input.js';

const WHAT =
  'a payload file: JSON of a ctxpack Payload { target, request, envelope, leaves, manifest, report }';

/**
 * Reads a payload file and checks the fields a command needs, naming the
 * first missing one. Shape only: `verify` is what decides whether to trust it.
 */
export async function readPayload(
  io: CliIo,
  file: string,
  command: string,
  need: readonly (keyof Payload)[],
): Promise<Payload> {
  const value = parseJsonInput(await readInput(io, file, command), file, WHAT);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CliError({ code: 'cli_input', message: `${file} is not ${WHAT}.` });
  }
  const record = value as Record<string, unknown>;
  for (const key of need) {
    const field = record[key];
    const ok =
      key === 'leaves'
        ? Array.isArray(field)
        : typeof field === 'object' && field !== null && !Array.isArray(field);
    if (!ok) {
      throw new CliError({
        code: 'cli_input',
        message: `${file} has no valid "${key}" field; expected ${WHAT}.`,
      });
    }
  }
  if (need.includes('report')) {
    const blocks = (record['report'] as Record<string, unknown>)['blocks'];
    if (!Array.isArray(blocks)) {
      throw new CliError({
        code: 'cli_input',
        message: `${file} has no "report.blocks" array; expected ${WHAT}.`,
      });
    }
    blocks.forEach((b: unknown, i: number) => {
      const block = b as Record<string, unknown> | null;
      const fine =
        typeof block === 'object' &&
        block !== null &&
        typeof block['id'] === 'string' &&
        typeof block['tokensAfter'] === 'number' &&
        typeof block['tokensBefore'] === 'number' &&
        Array.isArray(block['findings']);
      if (!fine) {
        throw new CliError({
          code: 'cli_input',
          message: `${file}: report.blocks[${i}] is not a block report; expected ${WHAT}.`,
        });
      }
    });
  }
  return value as Payload;
}
