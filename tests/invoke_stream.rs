//! Streaming answers: server-sent events arrive as separate items, in order, as they are sent.
//!
//! wiremock writes a body in one piece, so this test uses a small HTTP/1.1 server on a loopback
//! socket that sends each chunk only after the client has received the previous one.

use std::time::Duration;

use azure_ai_ml::invoke::{InvokeRequest, ScoringClient};
use futures::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

const EVENTS: [&str; 3] = [
    "data: {\"token\": \"churn\"}\n\n",
    "data: {\"token\": \"=1\"}\n\n",
    "data: [DONE]\n\n",
];

/// Reads one request (head and `Content-Length` body) and returns the raw head.
async fn read_request(socket: &mut tokio::net::TcpStream) -> String {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    loop {
        let n = socket.read(&mut chunk).await.expect("read request");
        assert!(n > 0, "client closed before sending a request");
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_string();
            let length = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                })
                .unwrap_or(0);
            while buf.len() < end + 4 + length {
                let n = socket.read(&mut chunk).await.expect("read body");
                assert!(n > 0);
                buf.extend_from_slice(&chunk[..n]);
            }
            return head;
        }
    }
}

#[tokio::test]
async fn server_sent_events_arrive_as_separate_items() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (next_tx, mut next_rx) = mpsc::channel::<()>(1);
    let server = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let head = read_request(&mut socket).await;
        socket
            .write_all(
                b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nx-ms-request-id: sse-1\r\ntransfer-encoding: chunked\r\n\r\n",
            )
            .await
            .unwrap();
        for event in EVENTS {
            // Wait until the client has taken the previous event off the stream.
            next_rx.recv().await.unwrap();
            let chunk = format!("{:x}\r\n{event}\r\n", event.len());
            socket.write_all(chunk.as_bytes()).await.unwrap();
            socket.flush().await.unwrap();
        }
        next_rx.recv().await.unwrap();
        socket.write_all(b"0\r\n\r\n").await.unwrap();
        socket.flush().await.unwrap();
        head
    });

    let uri = url::Url::parse(&format!("http://127.0.0.1:{port}/score")).unwrap();
    let client = ScoringClient::with_key(uri, "k".to_owned()).unwrap();
    let mut stream = client
        .invoke_stream(InvokeRequest::text(r#"{"prompt": "x"}"#).deployment("blue"))
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    assert_eq!(stream.request_id(), Some("sse-1"));
    for event in EVENTS {
        next_tx.send(()).await.unwrap();
        let item = tokio::time::timeout(Duration::from_secs(10), stream.next())
            .await
            .expect("chunk within 10 s")
            .expect("stream still open")
            .unwrap();
        assert_eq!(&item[..], event.as_bytes());
    }
    next_tx.send(()).await.unwrap();
    let end = tokio::time::timeout(Duration::from_secs(10), stream.next())
        .await
        .expect("end within 10 s");
    assert!(end.is_none(), "stream ends after the last chunk");

    let head = tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("server finished")
        .unwrap();
    let head = head.to_ascii_lowercase();
    assert!(head.starts_with("post /score http/1.1"), "{head}");
    assert!(head.contains("authorization: bearer k"), "{head}");
    assert!(head.contains("azureml-model-deployment: blue"), "{head}");
}

#[tokio::test]
async fn a_failed_stream_is_an_error_before_any_chunk() {
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .respond_with(
            wiremock::ResponseTemplate::new(500)
                .insert_header("x-ms-request-id", "r-500")
                .set_body_string("model crashed"),
        )
        .mount(&server)
        .await;
    let uri = url::Url::parse(&format!("{}/score", server.uri())).unwrap();
    let client = ScoringClient::with_key(uri, "k".to_owned()).unwrap();
    let err = client
        .invoke_stream(InvokeRequest::text("{}"))
        .await
        .unwrap_err();
    match err {
        azure_ai_ml::Error::Service {
            status,
            message,
            request_id,
            ..
        } => {
            assert_eq!(status, 500);
            assert_eq!(message, "model crashed");
            assert_eq!(request_id.as_deref(), Some("r-500"));
        }
        other => panic!("expected a service error, got {other:?}"),
    }
}
