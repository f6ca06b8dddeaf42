import { access, chmod, mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { exportKeyPair, exportPublicKey, generateKeyPair } from '@ctxpack/sign';
import { CliError } from './cli-error.js';
import type { CliIo } from './cli-io.js';
import { expectPositionals, parseCommandArgs } from './parse-command-args.js';

export const KEYGEN_HELP = `Usage: ctxpack keygen [--out-dir dir] [--name name] [--force] [--json]

Generates an Ed25519 signing key pair and writes
  <dir>/<name>.key   the secret key as a JWK (kty OKP, d and x), file mode 0600
  <dir>/<name>.pub   the public key as hex, for 'ctxpack verify --key'

Options:
  --out-dir dir  where to write (default: the current directory)
  --name name    file name stem (default: ctxpack)
  --force        overwrite existing files
  --json         print { keyId, publicKey, secretKeyFile, publicKeyFile }
  -h, --help     show this help`;

/** `ctxpack keygen`: a key pair on disk, the secret readable by its owner only. */
export async function runKeygen(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('keygen', args, {
    'out-dir': { type: 'string' },
    name: { type: 'string' },
    force: { type: 'boolean' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values['help'] === true) {
    io.stdout.write(`${KEYGEN_HELP}\n`);
    return 0;
  }
  expectPositionals('keygen', positionals, []);
  const name = (values['name'] as string | undefined) ?? 'ctxpack';
  if (!/^[\w.-]{1,64}$/.test(name) || name.startsWith('.')) {
    throw new CliError({
      code: 'cli_usage',
      message: `--name '${name}' must be 1–64 of [A-Za-z0-9_.-], not starting with '.'.`,
    });
  }
  const dir = resolve(io.cwd, (values['out-dir'] as string | undefined) ?? '.');
  const secretFile = join(dir, `${name}.key`);
  const publicFile = join(dir, `${name}.pub`);
  const keys = generateKeyPair();
  const flag = values['force'] === true ? 'w' : 'wx';
  if (flag === 'wx') {
    // Both files are checked before either is written, so a refusal never leaves a mismatched pair.
    for (const file of [secretFile, publicFile]) {
      if (await exists(file)) {
        throw new CliError({
          code: 'cli_input',
          message: `${file} already exists; pass --force to overwrite or --name to pick another name.`,
        });
      }
    }
  }
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(secretFile, `${JSON.stringify(exportKeyPair(keys))}\n`, { mode: 0o600, flag });
    // `mode` applies only when the file is created; an overwritten file keeps its old mode.
    await chmod(secretFile, 0o600);
    await writeFile(publicFile, `${exportPublicKey(keys, 'hex')}\n`, { mode: 0o644, flag });
  } catch (cause) {
    const code = (cause as { code?: string }).code;
    const message =
      code === 'EEXIST'
        ? `${(cause as { path?: string }).path ?? dir} already exists; pass --force to overwrite or --name to pick another name.`
        : `cannot write keys to ${dir}: ${code ?? String(cause)}. Pick a writable --out-dir.`;
    throw new CliError({ code: 'cli_input', message, cause });
  }
  if (values['json'] === true) {
    io.stdout.write(
      `${JSON.stringify({ keyId: keys.keyId, publicKey: exportPublicKey(keys, 'hex'), secretKeyFile: secretFile, publicKeyFile: publicFile }, null, 2)}\n`,
    );
  } else {
    io.stdout.write(
      `key id      ${keys.keyId}\nsecret key  ${secretFile} (mode 0600 — keep it secret)\npublic key  ${publicFile}\n`,
    );
  }
  return 0;
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
