/**
 * Version of every result object this package returns (`schemaVersion` field). Bumped whenever a
 * field is renamed, removed or changes meaning; adding a field keeps the version.
 */
export const MERGING_SCHEMA_VERSION = 1;
