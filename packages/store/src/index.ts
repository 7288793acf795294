export { BlobCorruptedError, BlobStore } from "./blobStore.js";
export {
  ChainIndexer,
  type ChainIndexerOptions,
  ChainReorgError,
  type IndexCursor,
  type IndexedLog,
  IndexerCursorMovedError,
  type ReorgInfo,
  type SyncResult,
} from "./chainIndexer.js";
export { MigrationError, migrationChecksum } from "./migrate.js";
export { isDatabaseError, SqlError, SqlState, sqlStateOf } from "./sqlError.js";
export {
  type OpenStoreOptions,
  openStore,
  type QueryResult,
  type Row,
  type Sql,
  type Store,
  type StoreKind,
  storeForHome,
} from "./store.js";
