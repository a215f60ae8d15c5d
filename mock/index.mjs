// ESM entry of the mock KooPhone server; the implementation is CommonJS (server.cjs).
import mock from "./server.cjs";

export const { startMockServer, loadScenario, FAULT_TYPES, ERROR_CODES } = mock;
