//! A background task with a stop switch, shared by the HTTPS listener and the monitor timers:
//! [`StoppableTask::stop`] flips the switch and waits for the task to finish what it is doing;
//! dropping the handle without stopping aborts the task, so nothing outlives its owner.

use std::future::Future;

use tokio::sync::watch;
use tokio::task::JoinHandle;

/// A spawned task that watches a stop switch.
pub(crate) struct StoppableTask {
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl StoppableTask {
    /// Spawns `body` with the switch's receiver; the body ends soon after the switch changes.
    pub(crate) fn spawn<Fut>(body: impl FnOnce(watch::Receiver<bool>) -> Fut) -> Self
    where
        Fut: Future<Output = ()> + Send + 'static,
    {
        let (stop, stopped) = watch::channel(false);
        Self {
            stop,
            task: Some(tokio::spawn(body(stopped))),
        }
    }

    /// Flips the switch and waits for the task to end.
    pub(crate) async fn stop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for StoppableTask {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}
