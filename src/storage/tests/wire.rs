//! What goes over the wire, checked with a local wiremock server: the tutorial's code upload
//! request by request (flow.jsonl seq 19-21), bearer auth for identity-based datastores through
//! the client's redirect, and chunked streaming that never reads more than one block at a time.

use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use super::support::{client, client_with, TestCredential};
use crate::storage::{BlobContainer, StorageAuth, UploadBlobOptions, STORAGE_SCOPE};
use crate::upload::{upload_metadata, upload_path, UploadOptions};
use crate::MLClientOptions;
use azure_core::credentials::Secret;
use azure_core::http::Url;
use tokio::io::{AsyncRead, ReadBuf};
use wiremock::matchers::{method, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// The tutorial's `scoring/score.py` (flow.jsonl seq 20 body).
const SCORE_PY: &str = "import json\nimport os\n\nimport joblib\nimport numpy as np\n\nmodel = None\n\n\ndef init():\n    global model\n    model_path = os.path.join(os.getenv(\"AZUREML_MODEL_DIR\"), \"model.pkl\")\n    model = joblib.load(model_path)\n\n\ndef run(raw_data):\n    data = np.array(json.loads(raw_data)[\"data\"])\n    predictions = model.predict(data)\n    return predictions.tolist()\n";

const SAS: &str = "skoid=aaaa&sktid=bbbb&skt=2024-05-01T12%3A00%3A00Z&ske=2024-05-02T12%3A00%3A00Z&sks=b&skv=2021-10-04&sv=2021-10-04&st=2024-05-01T11%3A50%3A00Z&se=2024-05-01T20%3A00%3A00Z&sr=c&sp=rcwl&sig=FAKESIG%3D";

fn header<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers.get(name).and_then(|v| v.to_str().ok())
}

async fn catch_all_storage(server: &MockServer) {
    Mock::given(method("HEAD"))
        .respond_with(ResponseTemplate::new(404).insert_header("x-ms-error-code", "BlobNotFound"))
        .mount(server)
        .await;
    Mock::given(method("PUT"))
        .and(query_param("comp", "metadata"))
        .respond_with(ResponseTemplate::new(200))
        .mount(server)
        .await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(201))
        .mount(server)
        .await;
}

/// A wiremock storage account answering every blob request, and a container client on it
/// signed with the dev account key.
async fn storage_server() -> (MockServer, BlobContainer) {
    let server = MockServer::start().await;
    catch_all_storage(&server).await;
    let container = shared_key_container(&server.uri());
    (server, container)
}

/// Container `cont` of the dev account at `base`, signed with its key.
fn shared_key_container(base: &str) -> BlobContainer {
    let url = Url::parse(&format!("{base}/devstoreaccount1/cont")).unwrap();
    let auth =
        StorageAuth::shared_key("devstoreaccount1", Secret::new(super::support::ACCOUNT_KEY))
            .unwrap();
    BlobContainer::new(&client(), url, auth).unwrap()
}

/// The Put Block requests among `requests`.
fn blocks(requests: &[Request]) -> Vec<&Request> {
    requests
        .iter()
        .filter(|r| r.url.query().is_some_and(|q| q.starts_with("comp=block&")))
        .collect()
}

#[tokio::test]
async fn tutorial_code_upload_sends_what_python_sends() {
    let server = MockServer::start().await;
    catch_all_storage(&server).await;
    let options = MLClientOptions::default().with_redirect(Url::parse(&server.uri()).unwrap());
    let client = client_with(Arc::new(TestCredential::naming_scopes()), options);
    let sas_url = format!(
        "https://mlworkspacprod1234567890.blob.core.windows.net/9d4601d9-0744-5c97-9ac4-a5df9d06633c?{SAS}"
    );
    let container = BlobContainer::from_sas_url(&client, &Secret::new(sas_url)).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let scoring = dir.path().join("scoring");
    std::fs::create_dir(&scoring).unwrap();
    std::fs::write(scoring.join("score.py"), SCORE_PY).unwrap();
    let meta = upload_metadata("c7d248a6-addf-4c99-b128-4cd8b3defafc", "1");
    let summary = upload_path(&container, &scoring, "", &meta, &UploadOptions::default())
        .await
        .unwrap();
    assert_eq!(summary.remote_path, "scoring");

    let requests = server.received_requests().await.unwrap();
    let seen: Vec<(String, String)> = requests
        .iter()
        .map(|r| (r.method.to_string(), r.url.path().to_owned()))
        .collect();
    let blob_path = "/9d4601d9-0744-5c97-9ac4-a5df9d06633c/scoring/score.py";
    assert_eq!(
        seen,
        [
            ("HEAD".to_owned(), blob_path.to_owned()),
            ("PUT".to_owned(), blob_path.to_owned()),
            ("PUT".to_owned(), blob_path.to_owned()),
        ]
    );
    for r in &requests {
        // Every request carries the SAS, the logical host, and no Authorization header.
        assert!(
            r.url.query().unwrap_or_default().ends_with(SAS),
            "{}",
            r.url
        );
        assert_eq!(
            header(r, "x-azml-original-host"),
            Some("mlworkspacprod1234567890.blob.core.windows.net")
        );
        assert_eq!(header(r, "authorization"), None);
        assert!(header(r, "x-ms-version").is_some() && header(r, "x-ms-date").is_some());
    }
    let put = &requests[1];
    assert_eq!(header(put, "x-ms-blob-type"), Some("BlockBlob"));
    assert_eq!(header(put, "if-none-match"), Some("*"));
    assert_eq!(header(put, "content-md5"), Some("U7SR0++9nr1Fty3GR1XynA=="));
    assert_eq!(put.body, SCORE_PY.as_bytes());
    let meta_put = &requests[2];
    assert!(meta_put.url.query().unwrap().starts_with("comp=metadata&"));
    assert_eq!(
        header(meta_put, "x-ms-meta-upload_status"),
        Some("completed")
    );
    assert_eq!(
        header(meta_put, "x-ms-meta-name"),
        Some("c7d248a6-addf-4c99-b128-4cd8b3defafc")
    );
    assert_eq!(header(meta_put, "x-ms-meta-version"), Some("1"));
    // Azure answers 411 Length Required to a PUT without Content-Length.
    assert_eq!(header(meta_put, "content-length"), Some("0"));
    assert_eq!(header(put, "content-length"), Some("353"));
}

#[tokio::test]
async fn bearer_auth_uses_the_storage_scope_once_and_never_the_arm_token() {
    let server = MockServer::start().await;
    catch_all_storage(&server).await;
    let credential = Arc::new(TestCredential::naming_scopes());
    let options = MLClientOptions::default().with_redirect(Url::parse(&server.uri()).unwrap());
    let client = client_with(credential.clone(), options);
    let url =
        BlobContainer::container_url("acct1", "azureml-blobstore-1", "core.windows.net").unwrap();
    let container =
        BlobContainer::new(&client, url, StorageAuth::bearer(credential.clone())).unwrap();

    container
        .head_blob("LocalUpload/h/model.pkl")
        .await
        .unwrap();
    container
        .put_blob(
            "LocalUpload/h/model.pkl",
            bytes::Bytes::from_static(b"m"),
            false,
        )
        .await
        .unwrap();
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    for r in &requests {
        assert_eq!(
            header(r, "authorization"),
            Some(format!("Bearer token-for-{STORAGE_SCOPE}").as_str())
        );
        assert_eq!(
            header(r, "x-azml-original-host"),
            Some("acct1.blob.core.windows.net")
        );
    }
    // One token for both requests, for the storage scope only.
    assert_eq!(*credential.scopes.lock().unwrap(), [STORAGE_SCOPE]);
}

/// A reader of `len` zero bytes that records the largest buffer it was asked to fill.
struct CountingReader {
    remaining: u64,
    largest: Arc<AtomicUsize>,
}

impl CountingReader {
    fn new(len: u64) -> Self {
        CountingReader {
            remaining: len,
            largest: Arc::default(),
        }
    }
}

impl AsyncRead for CountingReader {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        self.largest.fetch_max(buf.remaining(), Ordering::SeqCst);
        let n = (buf.remaining() as u64).min(self.remaining) as usize;
        buf.put_slice(&vec![7u8; n]);
        self.remaining -= n as u64;
        Poll::Ready(Ok(()))
    }
}

#[tokio::test]
async fn streaming_reads_one_block_at_a_time() {
    let (server, container) = storage_server().await;

    let block = 64 * 1024;
    let length = (block * 16 + 100) as u64;
    let reader = CountingReader::new(length);
    let largest = reader.largest.clone();
    let options = UploadBlobOptions::default()
        .with_block_size(block)
        .with_max_single_put(block);
    let sent = container
        .upload_reader("big.bin", reader, length, &options, &mut |_| {})
        .await
        .unwrap();
    assert_eq!(sent, length);
    assert!(
        largest.load(Ordering::SeqCst) <= block,
        "read more than one block at once"
    );

    let requests = server.received_requests().await.unwrap();
    let blocks = blocks(&requests);
    assert_eq!(blocks.len(), 17);
    assert!(blocks.iter().all(|r| r.body.len() <= block));
    assert_eq!(
        blocks.iter().map(|r| r.body.len() as u64).sum::<u64>(),
        length
    );
    let list = requests
        .iter()
        .find(|r| r.url.query() == Some("comp=blocklist"))
        .expect("block list committed");
    let xml = String::from_utf8(list.body.clone()).unwrap();
    assert_eq!(xml.matches("<Latest>").count(), 17);
    assert!(header(list, "x-ms-blob-content-md5").is_some());
    assert!(header(list, "authorization")
        .unwrap()
        .starts_with("SharedKey devstoreaccount1:"));
    // Blocks carry no Content-MD5 unless asked for.
    assert!(blocks.iter().all(|r| header(r, "content-md5").is_none()));
}

#[tokio::test]
async fn blocks_carry_their_md5_when_asked() {
    let (server, container) = storage_server().await;
    let block = 1024;
    let length = (block * 3 + 10) as u64;
    let reader = CountingReader::new(length);
    let options = UploadBlobOptions::default()
        .with_block_size(block)
        .with_max_single_put(block)
        .with_block_md5(true);
    container
        .upload_reader("md5.bin", reader, length, &options, &mut |_| {})
        .await
        .unwrap();
    let requests = server.received_requests().await.unwrap();
    let blocks = blocks(&requests);
    assert_eq!(blocks.len(), 4);
    for r in blocks {
        let expected = azure_core::base64::encode(<md5::Md5 as md5::Digest>::digest(&r.body));
        assert_eq!(header(r, "content-md5"), Some(expected.as_str()));
    }
}

#[tokio::test]
async fn readers_that_lie_about_their_length_fail() {
    let (server, container) = storage_server().await;
    let options = UploadBlobOptions::default()
        .with_block_size(1024)
        .with_max_single_put(1024);
    for (actual, claimed) in [(10u64, 20u64), (30, 20), (5000, 4000), (3000, 4000)] {
        let reader = CountingReader::new(actual);
        let err = container
            .upload_reader("x.bin", reader, claimed, &options, &mut |_| {})
            .await
            .unwrap_err();
        assert!(
            matches!(err, crate::Error::Io { .. }),
            "{actual}/{claimed}: {err}"
        );
    }
    // Nothing was committed: no Put Blob of a short body, no block list.
    let requests = server.received_requests().await.unwrap();
    assert!(requests
        .iter()
        .all(|r| r.url.query().is_some_and(|q| q.starts_with("comp=block&"))));
}

#[tokio::test]
async fn bad_input_fails_before_any_request() {
    let (server, container) = storage_server().await;
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let meta = upload_metadata("n", "1");
    let opts = UploadOptions::default();
    assert!(upload_path(&container, &empty, "", &meta, &opts)
        .await
        .unwrap_err()
        .is_validation());
    let missing = dir.path().join("missing");
    assert!(upload_path(&container, &missing, "", &meta, &opts)
        .await
        .unwrap_err()
        .is_validation());
    let file = dir.path().join("f.txt");
    std::fs::write(&file, b"x").unwrap();
    assert!(upload_path(&container, &file, "../up", &meta, &opts)
        .await
        .unwrap_err()
        .is_validation());
    let zero = UploadOptions::default().with_concurrency(0);
    assert!(upload_path(&container, &file, "", &meta, &zero)
        .await
        .unwrap_err()
        .is_validation());
    let mut bad_meta = meta.clone();
    bad_meta.insert("bad-name".into(), "x".into());
    assert!(container
        .set_metadata("f.txt", &bad_meta)
        .await
        .unwrap_err()
        .is_validation());
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_server_that_never_answers_fails_the_request_instead_of_hanging() {
    // Accepts connections and reads, but never writes a response.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let container = shared_key_container(&format!("http://127.0.0.1:{port}"))
        .with_request_timeout(std::time::Duration::from_millis(300));
    let err = container.head_blob("x").await.unwrap_err();
    assert!(matches!(err, crate::Error::Transport { .. }), "{err}");
    server.abort();
}
