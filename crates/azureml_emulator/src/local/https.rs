//! The HTTPS listener: TLS via tokio-rustls, HTTP/1.1 and HTTP/2 via hyper, requests handed to
//! an axum router. Bound to loopback only; stops when told to, aborting open connections.

use std::sync::Arc;

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;

/// A running HTTPS server; dropping the handle does not stop it, [`HttpsServer::stop`] does.
pub(crate) struct HttpsServer {
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl HttpsServer {
    /// Serves `app` over TLS on `listener` until stopped.
    pub(crate) fn spawn(
        listener: TcpListener,
        tls: Arc<rustls::ServerConfig>,
        app: axum::Router,
    ) -> std::io::Result<Self> {
        let (stop, mut stopped) = watch::channel(false);
        let acceptor = TlsAcceptor::from(tls);
        let task = tokio::spawn(async move {
            let mut connections = JoinSet::new();
            loop {
                tokio::select! {
                    _ = stopped.changed() => break,
                    // Reap finished connection tasks so the set does not grow forever.
                    Some(_) = connections.join_next(), if !connections.is_empty() => {}
                    accepted = listener.accept() => {
                        let Ok((tcp, _peer)) = accepted else { continue };
                        let _ = tcp.set_nodelay(true);
                        let acceptor = acceptor.clone();
                        let app = app.clone();
                        connections.spawn(async move {
                            let Ok(tls) = acceptor.accept(tcp).await else { return };
                            let service = TowerToHyperService::new(app);
                            let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
                            let _ = builder
                                .serve_connection_with_upgrades(TokioIo::new(tls), service)
                                .await;
                        });
                    }
                }
            }
            connections.shutdown().await;
        });
        Ok(Self {
            stop,
            task: Some(task),
        })
    }

    /// Stops accepting, closes every open connection and waits for the accept loop to end.
    pub(crate) async fn stop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for HttpsServer {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
