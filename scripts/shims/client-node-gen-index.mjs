// What client-node's config.js takes from its generated index (dist/gen/index.js): two names. The index also
// re-exports every generated API and model, which the plugin's client does not use (see kubectl-plugin/kube-client.ts).
export { createConfiguration } from '@kubernetes/client-node/dist/gen/configuration.js';
export { ServerConfiguration } from '@kubernetes/client-node/dist/gen/servers.js';
