// bin/vouch.js without the build step: the same process entry point (src/cli/process-main.ts), run by
// tests that need a real process (signals, exit statuses).
import { main } from '../../src/cli/process-main.js';

await main();
