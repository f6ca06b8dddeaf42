import { isRecord } from '@ctxpack/block/kernel';
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
  const record = isRecord(value) ? value : undefined;
  if (record === undefined) throw new CliError({ code: 'cli_input', message: `${file} is not ${WHAT}.` });
  for (const key of need) {
    const field = record[key];
    const ok = key === 'leaves' ? Array.isArray(field) : isRecord(field);
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
      const fine =
        isRecord(b) &&
        typeof b['id'] === 'string' &&
        typeof b['tokensAfter'] === 'number' &&
        typeof b['tokensBefore'] === 'number' &&
        Array.isArray(b['findings']);
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
