export type { CliErrorCode } from './cli-error.js';
export { CliError } from './cli-error.js';
export type { CliIo } from './cli-io.js';
export type {
  CtxpackFitCell,
  FitCell,
  FitTiming,
  MeasureFitOptions,
  PeerFitCell,
} from './fit-harness.js';
export { FIT_FRAMING, measureFit } from './fit-harness.js';
export type {
  FitMessage,
  FitPeer,
  FitPeerName,
  FitPeerSlot,
  LoadFitPeersOptions,
  PeerFitResult,
} from './fit-peers.js';
export { FIT_PEER_NAMES, loadFitPeers } from './fit-peers.js';
export { renderHtmlReport } from './html-report.js';
export { runCli } from './run-cli.js';
