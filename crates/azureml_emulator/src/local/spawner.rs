//! Model servers are forked from one thread that lives as long as the process.
//!
//! Linux's parent-death signal (`PR_SET_PDEATHSIG`) fires when the *thread* that forked the
//! child ends, not its process. Tokio's blocking threads retire after a few idle seconds and
//! runtime workers end with their runtime, so a model server forked from either was sent
//! SIGTERM at some unrelated later moment. Forking from a dedicated thread that never returns
//! ties the signal to the process: model servers die with the workspace's process (also on
//! `kill -9`), and at no other time.

use std::io;
use std::sync::mpsc;
use std::sync::OnceLock;

use tokio::process::{Child, Command};
use tokio::runtime::Handle;
use tokio::sync::oneshot;

use crate::local::sys;

struct Job {
    command: Command,
    /// The caller's runtime: the child is reaped by its process driver.
    runtime: Handle,
    reply: oneshot::Sender<io::Result<Child>>,
}

/// The spawner thread's queue, started on first use; `Err` when the thread could not start.
static SPAWNER: OnceLock<Result<mpsc::Sender<Job>, String>> = OnceLock::new();

fn spawner() -> io::Result<&'static mpsc::Sender<Job>> {
    SPAWNER
        .get_or_init(|| {
            let (sender, jobs) = mpsc::channel::<Job>();
            std::thread::Builder::new()
                .name("azureml-emulator-spawner".into())
                .spawn(move || {
                    // The sender lives in a static, so `recv` only fails at process exit.
                    while let Ok(mut job) = jobs.recv() {
                        let _runtime = job.runtime.enter();
                        let _ = job.reply.send(job.command.spawn());
                    }
                })
                .map(|_| sender)
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| io::Error::other(format!("could not start the spawner thread: {e}")))
}

/// Spawns `command` from the spawner thread, with the parent-death signal set, so the child
/// lives exactly as long as this process. Must be called inside a tokio runtime.
pub(crate) async fn spawn(mut command: Command) -> io::Result<Child> {
    sys::terminate_with_parent(&mut command);
    let runtime = Handle::try_current().map_err(io::Error::other)?;
    let (reply, answer) = oneshot::channel();
    spawner()?
        .send(Job {
            command,
            runtime,
            reply,
        })
        .map_err(|_| io::Error::other("the spawner thread is gone"))?;
    answer
        .await
        .map_err(|_| io::Error::other("the spawner thread dropped the request"))?
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// The bug this module exists for: a child forked from a thread that then exits must live
    /// on. Spawns from a short-lived runtime thread, ends that thread, checks the child.
    #[test]
    fn children_outlive_the_thread_that_asked_for_them() {
        let outer = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let handle = outer.handle().clone();
        let mut child = std::thread::spawn(move || {
            handle.block_on(async {
                let mut cmd = Command::new("sleep");
                cmd.arg("30").kill_on_drop(true);
                spawn(cmd).await.unwrap()
            })
        })
        .join()
        .unwrap();
        outer.block_on(async {
            // Had the child been forked by the ended thread, SIGTERM would end it now.
            let exited = tokio::time::timeout(Duration::from_millis(300), child.wait()).await;
            assert!(
                exited.is_err(),
                "the child died with the thread: {exited:?}"
            );
            child.start_kill().unwrap();
            child.wait().await.unwrap();
        });
    }
}
