//! Model data collection, sans-IO: which requests a deployment's `dataCollector` samples, the
//! JSON Lines records Azure ML writes for them, and where. The fake workspace keeps the records
//! in memory; the offline workspace writes them to its blob store.

mod config;
mod hook;
mod records;
mod store;

pub use config::{is_sampled, CollectionConfig, DataCollectionConfig, RollingRate};
pub use records::{blob_path, CollectedRecord, ScoringExchange, DATA_COLLECTOR_FOLDER};
pub(crate) use store::CollectedData;
