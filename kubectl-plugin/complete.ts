// `kubectl_complete-workflowrun`: kubectl (1.26+) runs it with the words typed after `kubectl workflowrun` to
// complete them; it answers exactly as `kubectl-workflowrun __complete` does.
import { main } from './entry.ts';

await main(['__complete', ...process.argv.slice(2)]);
