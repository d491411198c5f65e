// `make bench`: runs each benchmark module in turn; each exports `bench()` and prints its own numbers.
// Add a module by adding its path here.
const BENCH_MODULES = ['./core.ts', './reference.ts', './plugin.ts', './webhook.ts', './policy.ts'];

for (const modulePath of BENCH_MODULES) {
  const { bench } = (await import(modulePath)) as { bench: () => Promise<void> };
  await bench();
}
