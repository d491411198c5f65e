// Types of scripts/chart-readme.mjs for the TypeScript tests that import it.
export declare const TABLE_START: string;
export declare const TABLE_END: string;
export declare function describedKeys(valuesText: string): Map<string, string>;
export declare function undocumentedKeys(
  values: unknown,
  described: Map<string, string>,
  prefix?: string,
): string[];
export declare function valuesTable(valuesText: string): string;
export declare function withValuesTable(readme: string, table: string): string;
