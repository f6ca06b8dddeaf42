#!/usr/bin/env node
import { runCli } from './run-cli.js';

const io = {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  async readStdin(): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of process.stdin) {
      size += (chunk as Buffer).length;
      if (size > 64 * 1024 * 1024) throw new Error('standard input is larger than 64 MiB');
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  },
};

process.exitCode = await runCli(process.argv.slice(2), io);
