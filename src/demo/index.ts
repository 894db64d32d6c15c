/** The end-to-end drill (`vouch demo`). */
export { type DrillOptions, type DrillReport, runDrill } from './drill.js';
