export { proofWorkflow } from './proof.js';
