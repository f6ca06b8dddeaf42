import { type ParseArgsConfig, parseArgs } from 'node:util';
import { CliError } from './cli-error.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * `parseArgs` in strict mode, with its errors turned into one actionable
 * line: which flag is wrong and where to read the usage.
 */
export function parseCommandArgs<T extends Options>(
  command: string,
  args: readonly string[],
  options: T,
): { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      options,
      allowPositionals: true,
      strict: true,
    });
    return { values: values as Record<string, string | boolean | string[] | undefined>, positionals };
  } catch (cause) {
    const raw = cause instanceof Error ? (cause.message.split('\n')[0] ?? '') : String(cause);
    // node's messages end with hints about `--` that do not apply here.
    const message = raw
      .replace(/\. To specify a positional argument starting with a '-'.*$/, '')
      .replace(/\.$/, '');
    throw new CliError({
      code: 'cli_usage',
      message: `${message}. Run 'ctxpack ${command} --help' for usage.`,
      cause,
    });
  }
}

/** Fails with a usage error unless exactly `count` positionals were given. */
export function expectPositionals(
  command: string,
  positionals: readonly string[],
  names: readonly string[],
): void {
  if (positionals.length < names.length) {
    throw new CliError({
      code: 'cli_usage',
      message: `missing ${names
        .slice(positionals.length)
        .map((n) => `<${n}>`)
        .join(' ')}. Run 'ctxpack ${command} --help' for usage.`,
    });
  }
  if (positionals.length > names.length) {
    throw new CliError({
      code: 'cli_usage',
      message: `unexpected argument '${positionals[names.length]}'. Run 'ctxpack ${command} --help' for usage.`,
    });
  }
}
