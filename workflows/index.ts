export { proofWorkflow } from './proof.js';
export { dreamCycle } from './dreamCycle.js';
export { fleetRun } from './fleet.js';
export { benchFloor } from './bench.js';
