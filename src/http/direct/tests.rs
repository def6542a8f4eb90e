//! The direct client against tiny loopback servers: keep-alive reuse, a pool sized to the
//! callers, transparent replacement of connections the server closed, bodies in pieces.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::*;

/// Reads one request (head and `Content-Length` body); `None` when the client closed.
async fn read_request(socket: &mut TcpStream, buf: &mut Vec<u8>) -> Option<String> {
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map_or(0, |v| v.trim().parse::<usize>().unwrap_or(0));
            while buf.len() < end + 4 + length {
                let n = socket.read(&mut chunk).await.ok()?;
                if n == 0 {
                    return None;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            buf.drain(..end + 4 + length);
            return Some(head);
        }
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// A keep-alive HTTP/1.1 server answering every request with `answer`; closes a connection
/// after `per_connection` requests when set. Counts accepted connections.
async fn server(answer: &'static [u8], per_connection: Option<usize>) -> (Url, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = Url::parse(&format!(
        "http://127.0.0.1:{}/score?x=1",
        listener.local_addr().unwrap().port()
    ))
    .unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            count.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut served = 0;
                while let Some(head) = read_request(&mut socket, &mut buf).await {
                    assert!(head.starts_with("post /score?x=1 http/1.1"), "{head}");
                    assert!(head.contains("\r\nhost: 127.0.0.1:"), "{head}");
                    if socket.write_all(answer).await.is_err() {
                        return;
                    }
                    served += 1;
                    if per_connection == Some(served) {
                        return;
                    }
                }
            });
        }
    });
    (url, accepted)
}

fn request(body: &'static str) -> Request<ReqBody> {
    let mut request = Request::new(Full::new(Bytes::from_static(body.as_bytes())));
    *request.method_mut() = http::Method::POST;
    *request.uri_mut() = Uri::from_static("/score?x=1");
    request
}

async fn call(pool: &Arc<HostPool>, url: &Url) -> (u16, Bytes) {
    let absolute: Uri = url.as_str().parse().unwrap();
    let response = pool.send(request("{}"), &absolute).await.unwrap();
    let status = response.status().as_u16();
    let body = response.into_body().collect().await.unwrap();
    (status, body)
}

const OK: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-length: 6\r\n\r\n[1, 0]";

#[tokio::test]
async fn sequential_requests_share_one_connection() {
    let (url, accepted) = server(OK, None).await;
    let client = Arc::new(DirectClient::new(&[], "roots").unwrap());
    let pool = client.pool(&url).unwrap();
    for _ in 0..20 {
        assert_eq!(
            call(&pool, &url).await,
            (200, Bytes::from_static(b"[1, 0]"))
        );
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
    assert_eq!(pool.connects(), 1);
    // The same origin gets the same pool.
    assert!(Arc::ptr_eq(&pool, &client.pool(&url).unwrap()));
}

#[tokio::test]
async fn concurrent_callers_get_a_connection_each_and_keep_them() {
    let (url, accepted) = server(OK, None).await;
    let client = Arc::new(DirectClient::new(&[], "roots").unwrap());
    let pool = client.pool(&url).unwrap();
    for _ in 0..5 {
        let calls = (0..4).map(|_| call(&pool, &url));
        for (status, _) in futures::future::join_all(calls).await {
            assert_eq!(status, 200);
        }
    }
    let opened = accepted.load(Ordering::SeqCst);
    assert!(
        (1..=4).contains(&opened),
        "{opened} connections for 4 callers"
    );
}

#[tokio::test]
async fn a_connection_the_server_closed_is_replaced_without_an_error() {
    // The server closes every connection after one answer (as after an idle timeout).
    let (url, accepted) = server(OK, Some(1)).await;
    let client = Arc::new(DirectClient::new(&[], "roots").unwrap());
    let pool = client.pool(&url).unwrap();
    for _ in 0..5 {
        assert_eq!(call(&pool, &url).await.0, 200);
        // Let the close reach the client, as between two calls far apart.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 5);
}

#[tokio::test]
async fn chunked_bodies_are_joined_and_the_connection_reused() {
    const CHUNKED: &[u8] =
        b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\n[1,\r\n3\r\n 0]\r\n0\r\n\r\n";
    let (url, accepted) = server(CHUNKED, None).await;
    let client = Arc::new(DirectClient::new(&[], "roots").unwrap());
    let pool = client.pool(&url).unwrap();
    for _ in 0..3 {
        assert_eq!(
            call(&pool, &url).await,
            (200, Bytes::from_static(b"[1, 0]"))
        );
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_body_dropped_half_read_closes_its_connection() {
    let (url, accepted) = server(OK, None).await;
    let client = Arc::new(DirectClient::new(&[], "roots").unwrap());
    let pool = client.pool(&url).unwrap();
    let absolute: Uri = url.as_str().parse().unwrap();
    let response = pool.send(request("{}"), &absolute).await.unwrap();
    drop(response);
    assert_eq!(call(&pool, &url).await.0, 200);
    assert_eq!(accepted.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn refused_connections_are_connect_errors() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let url = Url::parse(&format!("http://127.0.0.1:{port}/score?x=1")).unwrap();
    let client = Arc::new(DirectClient::new(&[], "roots").unwrap());
    let pool = client.pool(&url).unwrap();
    match pool
        .send(request("{}"), &url.as_str().parse().unwrap())
        .await
    {
        Err(err) => assert!(err.is_connect(), "{err:?}"),
        Ok(_) => panic!("a refused connection answered"),
    }
}

#[test]
fn only_http_and_https_get_pools() {
    let client = Arc::new(DirectClient::new(&[], "roots").unwrap());
    assert!(client
        .pool(&Url::parse("ftp://127.0.0.1/x").unwrap())
        .is_none());
    let a = client
        .pool(&Url::parse("https://a.example/score").unwrap())
        .unwrap();
    let b = client
        .pool(&Url::parse("https://a.example:443/other").unwrap())
        .unwrap();
    let c = client
        .pool(&Url::parse("https://b.example/score").unwrap())
        .unwrap();
    assert!(Arc::ptr_eq(&a, &b));
    assert!(!Arc::ptr_eq(&a, &c));
}
