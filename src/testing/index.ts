// runwatch/testing: the provider simulator (Node only). This barrel is the entry's whole API.
export { startSimulator } from './simulator.js';
export type { Simulator, SimulatorBaseUrls, SimulatorOptions, SimulatorRequest } from './simulator.js';
export type { SimulatedExecution, SimulatedState } from './execution.js';
export type { ExecutionScript, ScriptStep, SimulatedProvider } from './script.js';
export type { ChaosOptions } from './chaos.js';
export type { AuthOutcome, SimulatorEndpoint } from './wire.js';
