export { CliError } from './cli-error.js';
export type { CliIo } from './cli-io.js';
export { escapeHtml, renderHtmlReport } from './html-report.js';
export { MAIN_HELP, runCli } from './run-cli.js';
