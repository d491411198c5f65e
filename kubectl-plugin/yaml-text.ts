// The `yaml` package behind an ES module of our own. `yaml` is CommonJS: a dynamic import('yaml') in the split
// bundle yields only a default export, while a static import gets its named exports. Commands import this module
// dynamically, so YAML loads only for the commands that read or print it.
export { parse, stringify } from 'yaml';
