//! Model data collection in the offline workspace: deployments with a `data_collector` write
//! the model inputs and outputs (and request/response payloads) of sampled calls as JSON Lines
//! under the workspace folder, laid out as Azure ML lays out its blobs:
//! `{workspace}/modelDataCollector/{endpoint}/{deployment}/{collection}/{yyyy}/{MM}/{dd}/{HH}/{instance}.jsonl`.
//!
//! The router decides on the call's path whether a call is sampled (an atomic counter per
//! deployment and the core's deterministic sampling) and hands sampled exchanges to a writer
//! task through a bounded queue: the records are built and written off the hot path. A full
//! queue drops the exchange and counts it in `DataCollectionErrorsPerMinute`; written records
//! count in `DataCollectionEventsPerMinute`. A sampled call's answer carries `x-request-id`,
//! the correlation id its input and output records share.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use time::OffsetDateTime;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::core::monitor::{
    is_sampled, DataCollectionConfig, MetricsRecorder, ScoringExchange, DATA_COLLECTOR_FOLDER,
};

/// Sampled exchanges waiting to be written; more are dropped (and counted as errors).
const QUEUE: usize = 10_000;
/// Exchanges written per batch (one blocking task each).
const BATCH: usize = 512;

/// A deployment's collection settings with its count of answered calls (the sampling index).
#[derive(Debug)]
pub(crate) struct Collecting {
    pub(crate) config: Arc<DataCollectionConfig>,
    pub(crate) seed: u64,
    calls: AtomicU64,
}

impl Collecting {
    pub(crate) fn new(config: Arc<DataCollectionConfig>, seed: u64) -> Self {
        Self {
            config,
            seed,
            calls: AtomicU64::new(0),
        }
    }

    /// Counts an answered call; its index when any collection samples it.
    pub(crate) fn sample(&self) -> Option<u64> {
        let k = self.calls.fetch_add(1, Ordering::Relaxed);
        self.config
            .collections
            .iter()
            .any(|c| is_sampled(c.sampling_rate, self.seed, k))
            .then_some(k)
    }
}

/// One sampled exchange, owned, for the writer.
#[derive(Debug)]
pub(crate) struct Exchange {
    pub(crate) collecting: Arc<Collecting>,
    pub(crate) index: u64,
    pub(crate) endpoint: String,
    pub(crate) deployment: String,
    pub(crate) correlation_id: String,
    pub(crate) path: String,
    pub(crate) request_body: Bytes,
    pub(crate) request_content_type: Option<String>,
    pub(crate) response_body: Bytes,
    pub(crate) response_content_type: Option<String>,
    pub(crate) time: OffsetDateTime,
    pub(crate) instance_id: String,
}

enum Message {
    Exchange(Box<Exchange>),
    Flush(oneshot::Sender<()>),
}

/// The writer of collected data: a queue and the task draining it.
#[derive(Debug)]
pub(crate) struct DataCollector {
    sender: mpsc::Sender<Message>,
    recorder: Arc<MetricsRecorder>,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl DataCollector {
    /// Starts the writer: records go under `dir`, records' `source` is the deployment's id
    /// under `workspace_id`.
    pub(crate) fn start(
        dir: PathBuf,
        workspace_id: String,
        recorder: Arc<MetricsRecorder>,
    ) -> Self {
        let (sender, receiver) = mpsc::channel(QUEUE);
        let task = tokio::spawn(write_loop(receiver, dir, workspace_id, recorder.clone()));
        Self {
            sender,
            recorder,
            task: Mutex::new(Some(task)),
        }
    }

    /// Queues a sampled exchange; a full queue drops it and counts the records lost.
    pub(crate) fn submit(&self, exchange: Exchange) {
        let lost = exchange.collecting.config.collections.len();
        let (endpoint, deployment, time) = (
            exchange.endpoint.clone(),
            exchange.deployment.clone(),
            exchange.time,
        );
        if self
            .sender
            .try_send(Message::Exchange(Box::new(exchange)))
            .is_err()
        {
            self.recorder.record_data_collection(
                &endpoint,
                &deployment,
                0,
                u32::try_from(lost).unwrap_or(u32::MAX),
                time,
            );
        }
    }

    /// Waits (at most `limit`) until everything queued so far is written.
    pub(crate) async fn flush(&self, limit: std::time::Duration) {
        let (done, written) = oneshot::channel();
        let sent = tokio::time::timeout(limit, self.sender.send(Message::Flush(done))).await;
        if matches!(sent, Ok(Ok(()))) {
            let _ = tokio::time::timeout(limit, written).await;
        }
    }

    /// Flushes, then ends the writer.
    pub(crate) async fn stop(&self, limit: std::time::Duration) {
        self.flush(limit).await;
        let task = self.task.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(task) = task {
            task.abort();
            let _ = task.await;
        }
    }
}

impl Drop for DataCollector {
    fn drop(&mut self) {
        if let Some(task) = self.task.lock().unwrap_or_else(|p| p.into_inner()).take() {
            task.abort();
        }
    }
}

async fn write_loop(
    mut receiver: mpsc::Receiver<Message>,
    dir: PathBuf,
    workspace_id: String,
    recorder: Arc<MetricsRecorder>,
) {
    let dir = Arc::new(dir);
    let workspace_id = Arc::new(workspace_id);
    loop {
        let Some(first) = receiver.recv().await else {
            return;
        };
        let mut batch = vec![first];
        while batch.len() < BATCH {
            match receiver.try_recv() {
                Ok(message) => batch.push(message),
                Err(_) => break,
            }
        }
        let mut exchanges = Vec::with_capacity(batch.len());
        let mut flushes = Vec::new();
        for message in batch {
            match message {
                Message::Exchange(e) => exchanges.push(e),
                Message::Flush(done) => flushes.push(done),
            }
        }
        if !exchanges.is_empty() {
            let (dir, workspace_id, recorder) =
                (dir.clone(), workspace_id.clone(), recorder.clone());
            let _ = tokio::task::spawn_blocking(move || {
                write_batch(&dir, &workspace_id, &recorder, &exchanges);
            })
            .await;
        }
        for done in flushes {
            let _ = done.send(());
        }
    }
}

/// Builds the records of each exchange and appends them to their files (one open per file
/// and batch); counts written and failed records in the metrics.
fn write_batch(
    dir: &Path,
    workspace_id: &str,
    recorder: &MetricsRecorder,
    exchanges: &[Box<Exchange>],
) {
    let mut files: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut counts: BTreeMap<(String, String, i64), (u32, OffsetDateTime)> = BTreeMap::new();
    for e in exchanges {
        let source = format!(
            "{workspace_id}/onlineEndpoints/{}/deployments/{}",
            e.endpoint, e.deployment
        );
        let exchange = ScoringExchange {
            endpoint: &e.endpoint,
            deployment: &e.deployment,
            source: &source,
            correlation_id: &e.correlation_id,
            method: "POST",
            path: &e.path,
            request_body: &e.request_body,
            request_content_type: e.request_content_type.as_deref(),
            response_body: &e.response_body,
            response_content_type: e.response_content_type.as_deref(),
            time: e.time,
            instance_id: &e.instance_id,
        };
        let records = e
            .collecting
            .config
            .records(&exchange, e.collecting.seed, e.index);
        for record in records {
            let key = (
                e.endpoint.clone(),
                e.deployment.clone(),
                e.time.unix_timestamp().div_euclid(60),
            );
            counts.entry(key).or_insert((0, e.time)).0 += 1;
            files
                .entry(record.blob_path.clone())
                .or_default()
                .push(record.line());
        }
    }
    let mut failed: BTreeMap<(String, String), u32> = BTreeMap::new();
    for (path, lines) in &files {
        if let Err(e) = append_lines(&dir.join(path), lines) {
            tracing::warn!("data collection: could not write {path}: {e}");
            // The endpoint and deployment are the 2nd and 3rd folders of the blob path.
            let mut parts = path.split('/').skip(1);
            if let (Some(endpoint), Some(deployment)) = (parts.next(), parts.next()) {
                *failed
                    .entry((endpoint.to_owned(), deployment.to_owned()))
                    .or_default() += u32::try_from(lines.len()).unwrap_or(u32::MAX);
            }
        }
    }
    for ((endpoint, deployment, _), (events, at)) in counts {
        let errors = failed
            .remove(&(endpoint.clone(), deployment.clone()))
            .unwrap_or(0);
        recorder.record_data_collection(
            &endpoint,
            &deployment,
            events.saturating_sub(errors),
            errors,
            at,
        );
    }
}

fn append_lines(path: &Path, lines: &[String]) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    let mut text = String::with_capacity(lines.iter().map(|l| l.len() + 1).sum());
    for line in lines {
        text.push_str(line);
        text.push('\n');
    }
    file.write_all(text.as_bytes())
}

/// Where a workspace in `dir` writes collected data.
pub(crate) fn data_dir(dir: &Path) -> PathBuf {
    dir.join(DATA_COLLECTOR_FOLDER)
}
