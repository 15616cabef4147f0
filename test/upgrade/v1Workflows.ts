// The previous version's workflows as a v1 worker ran them: a test starts cycles on it, stops it, and lets
// the current worker finish them (test/integration/upgrade.test.ts).
export { dreamCycleV1 as dreamCycle } from '../../workflows/legacy/dreamCycleV1.js';
export { fleetRunV1 as fleetRun } from '../../workflows/legacy/fleetV1.js';
