export { proofWorkflow } from './proof.js';
export { dreamCycle } from './dreamCycle.js';
export { dreamFleet } from './fleet.js';
export { agentRollback } from './rollback.js';
export { benchFloor } from './bench.js';
export { agentRecord } from './record.js';
