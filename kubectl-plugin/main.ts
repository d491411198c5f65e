// `kubectl-workflowrun`, run by kubectl as `kubectl workflowrun ...` (see entry.ts and commands/root.ts).
import { main } from './entry.ts';

await main(process.argv.slice(2));
