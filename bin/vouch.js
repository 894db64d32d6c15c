#!/usr/bin/env node
// The only place that touches process: everything else takes an Io (see src/cli/process-main.ts).
import { main } from '../dist/cli/process-main.js';

await main();
