//! The HTTPS listener: TLS via tokio-rustls, HTTP/1.1 and HTTP/2 via hyper, requests handed to
//! an axum router. Bound to loopback only; stops when told to, aborting open connections.
//!
//! Every request carries its connection's peer address ([`PeerAddr`]) in its extensions.
//! Each HTTP/1.1 connection carries a [`ConnectionReset`] switch in its requests' extensions,
//! and a response marked [`ResetInstead`] is not sent: the connection is reset (for injected
//! faults of the connection).

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use hyper::service::Service as _;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use crate::local::faults::{ConnectionReset, ResetInstead};
use crate::local::stoppable::StoppableTask;

/// The peer address of a connection, put in each request's extensions by the HTTPS listener.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PeerAddr(pub(crate) SocketAddr);

/// Serves `app` over TLS on `listener` until the returned task is stopped (open connections
/// are closed then) or dropped.
pub(crate) fn spawn(
    listener: TcpListener,
    tls: Arc<rustls::ServerConfig>,
    app: axum::Router,
) -> StoppableTask {
    let acceptor = TlsAcceptor::from(tls);
    StoppableTask::spawn(move |mut stopped| async move {
        let mut connections = JoinSet::new();
        loop {
            tokio::select! {
                _ = stopped.changed() => break,
                // Reap finished connection tasks so the set does not grow forever.
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
                accepted = listener.accept() => {
                    let Ok((tcp, peer)) = accepted else { continue };
                    let _ = tcp.set_nodelay(true);
                    connections.spawn(serve(tcp, peer, acceptor.clone(), app.clone()));
                }
            }
        }
        connections.shutdown().await;
    })
}

/// One connection: TLS, then HTTP until the client or a reset ends it.
async fn serve(tcp: TcpStream, peer: SocketAddr, acceptor: TlsAcceptor, app: axum::Router) {
    let reset = ConnectionReset::default();
    let io = Resettable {
        tcp,
        reset: reset.clone(),
    };
    let Ok(tls) = acceptor.accept(io).await else {
        return;
    };
    // HTTP/2 multiplexes calls on the connection: a fault resets its stream, not the socket.
    let switch = (tls.get_ref().1.alpn_protocol() != Some(b"h2".as_slice())).then_some(reset);
    let inner = TowerToHyperService::new(app);
    let service = hyper::service::service_fn(move |mut request: hyper::Request<_>| {
        let switch = switch.clone();
        request.extensions_mut().insert(PeerAddr(peer));
        if let Some(switch) = &switch {
            request.extensions_mut().insert(switch.clone());
        }
        let answer = inner.call(request);
        async move {
            let Ok(response) = answer.await;
            if response.extensions().get::<ResetInstead>().is_some() {
                if let Some(switch) = switch {
                    switch.set();
                }
                return Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "injected fault: reset before the answer",
                ));
            }
            Ok(response)
        }
    });
    let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    let _ = builder
        .serve_connection_with_upgrades(TokioIo::new(tls), service)
        .await;
}

/// The TCP stream under TLS, closed with a reset (zero linger) when its switch is set.
struct Resettable {
    tcp: TcpStream,
    reset: ConnectionReset,
}

impl Drop for Resettable {
    fn drop(&mut self) {
        if self.reset.is_set() {
            let _ = self.tcp.set_zero_linger();
        }
    }
}

impl AsyncRead for Resettable {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.tcp).poll_read(cx, buf)
    }
}

impl AsyncWrite for Resettable {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.tcp).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.tcp).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.tcp.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.tcp).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        if self.reset.is_set() {
            // A FIN would end the stream cleanly; the reset comes on drop instead.
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.tcp).poll_shutdown(cx)
    }
}
