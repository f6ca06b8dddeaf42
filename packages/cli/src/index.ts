export type { CliErrorCode } from './cli-error.js';
export { CliError } from './cli-error.js';
export type { CliIo } from './cli-io.js';
export { renderHtmlReport } from './html-report.js';
export { runCli } from './run-cli.js';
