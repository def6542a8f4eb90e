//! The blob client and the upload protocol against Azurite, a real Azure Storage emulator:
//! Shared Key and SAS authorization, single-put and block uploads, metadata, skipping a
//! completed upload, and refusals. Each test starts its own Azurite on a free loopback port and
//! kills it when done. Without Node/Azurite the tests are skipped loudly, unless `CI` is set.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use super::support::{
    azurite_container, client, container_name, container_sas, get_blob, Azurite, ACCOUNT,
};
use crate::storage::{BlobContainer, StorageAuth, UploadBlobOptions};
use crate::upload::{
    hash_model_path, upload_folder, upload_metadata, upload_path, ProgressCallback, UploadOptions,
    UploadProgress, ARTIFACT_ORIGIN,
};
use azure_core::credentials::Secret;
use bytes::Bytes;

fn md5_b64(data: &[u8]) -> String {
    use md5::{Digest, Md5};
    azure_core::base64::encode(Md5::digest(data))
}

fn pseudo_random(len: usize, seed: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2_654_435_761).max(1);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x & 0xff) as u8
        })
        .collect()
}

#[tokio::test]
async fn shared_key_container_blob_head_and_metadata() {
    let Some(azurite) = Azurite::start() else {
        return;
    };
    let client = client();
    let name = container_name("sk");
    let c = azurite.shared_key_container(&client, &name);

    assert!(c.create_container().await.unwrap(), "first create makes it");
    assert!(
        !c.create_container().await.unwrap(),
        "second create finds it"
    );
    assert_eq!(c.head_blob("missing/blob.txt").await.unwrap(), None);

    let body = b"hello azurite\n".to_vec();
    c.put_blob("dir/hello.txt", Bytes::from(body.clone()), false)
        .await
        .unwrap();
    let props = c.head_blob("dir/hello.txt").await.unwrap().expect("exists");
    assert_eq!(props.content_length, body.len() as u64);
    assert_eq!(props.content_md5.as_deref(), Some(md5_b64(&body).as_str()));
    assert!(props.metadata.is_empty());

    // Without overwrite an existing blob is a 409 BlobAlreadyExists.
    let err = c
        .put_blob("dir/hello.txt", Bytes::from_static(b"other"), false)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(409), "{err}");
    assert_eq!(err.code(), Some("BlobAlreadyExists"));
    c.put_blob("dir/hello.txt", Bytes::from_static(b"replaced"), true)
        .await
        .unwrap();
    assert_eq!(
        get_blob(&azurite, &name, "dir/hello.txt").await.unwrap(),
        b"replaced"
    );

    // Metadata names in an order where the service's collation differs from byte order.
    let mut meta = upload_metadata("customer-churn-model", "1");
    meta.insert("a_1".into(), "y".into());
    meta.insert("a1x".into(), "z".into());
    c.set_metadata("dir/hello.txt", &meta).await.unwrap();
    let props = c.head_blob("dir/hello.txt").await.unwrap().unwrap();
    assert_eq!(props.metadata, meta);
}

#[tokio::test]
async fn names_with_spaces_unicode_and_punctuation_sign_correctly() {
    let Some((azurite, _, name, c)) = azurite_container("names").await else {
        return;
    };
    for blob in [
        "dir with space/file name.txt",
        "ünïcödé/日本語.bin",
        "punct/a+b&c=(1)!$'*,;@~.txt",
        "percent/100%.txt",
    ] {
        c.put_blob(blob, Bytes::from(blob.as_bytes().to_vec()), false)
            .await
            .unwrap_or_else(|e| panic!("{blob}: {e}"));
        let props = c
            .head_blob(blob)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{blob} missing"));
        assert_eq!(props.content_length, blob.len() as u64);
        assert_eq!(
            get_blob(&azurite, &name, blob).await.unwrap(),
            blob.as_bytes()
        );
    }
}

#[tokio::test]
async fn large_files_go_up_in_blocks_and_read_back_identical() {
    let Some((azurite, _, name, c)) = azurite_container("blocks").await else {
        return;
    };

    let dir = tempfile::tempdir().unwrap();
    let data = pseudo_random(64 * 1024 * 5 / 2 + 17, 7); // 2.5 blocks and a bit
    let path = dir.path().join("model.bin");
    std::fs::write(&path, &data).unwrap();
    let options = UploadBlobOptions::default()
        .with_block_size(64 * 1024)
        .with_max_single_put(64 * 1024);
    let mut calls = Vec::new();
    let sent = c
        .upload_file("LocalUpload/x/model.bin", &path, &options, &mut |n| {
            calls.push(n)
        })
        .await
        .unwrap();
    assert_eq!(sent, data.len() as u64);
    assert_eq!(calls.len(), 3, "one call per block: {calls:?}");
    assert!(calls.windows(2).all(|w| w[0] < w[1]), "{calls:?}");
    assert_eq!(calls.last(), Some(&(data.len() as u64)));

    let props = c
        .head_blob("LocalUpload/x/model.bin")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(props.content_length, data.len() as u64);
    assert_eq!(props.content_md5.as_deref(), Some(md5_b64(&data).as_str()));
    assert_eq!(
        get_blob(&azurite, &name, "LocalUpload/x/model.bin")
            .await
            .unwrap(),
        data
    );

    // One block at a time reports each block in order; many in flight give the same blob.
    let mut calls = Vec::new();
    let sequential = options.clone().with_parallel_blocks(1).with_overwrite(true);
    c.upload_file("LocalUpload/x/model.bin", &path, &sequential, &mut |n| {
        calls.push(n)
    })
    .await
    .unwrap();
    assert_eq!(calls, [65_536, 131_072, data.len() as u64]);
    let wide = options
        .clone()
        .with_parallel_blocks(8)
        .with_block_size(4096);
    c.upload_file("wide.bin", &path, &wide, &mut |_| {})
        .await
        .unwrap();
    assert_eq!(get_blob(&azurite, &name, "wide.bin").await.unwrap(), data);

    // An empty file is one empty Put Blob.
    let empty = dir.path().join("empty");
    std::fs::write(&empty, b"").unwrap();
    c.upload_file("empty", &empty, &options, &mut |_| {})
        .await
        .unwrap();
    assert_eq!(
        c.head_blob("empty").await.unwrap().unwrap().content_length,
        0
    );
}

#[tokio::test]
async fn a_wrong_account_key_is_refused_without_leaking_it() {
    let Some((azurite, client, name, _)) = azurite_container("badkey").await else {
        return;
    };
    let wrong_key = azure_core::base64::encode(b"definitely-not-the-azurite-account-key!!");
    let auth = StorageAuth::shared_key(ACCOUNT, Secret::new(wrong_key.clone())).unwrap();
    let c = BlobContainer::new(&client, azurite.container_url(&name), auth).unwrap();
    let err = c
        .put_blob("x.txt", Bytes::from_static(b"x"), false)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(403), "{err}");
    assert_eq!(err.code(), Some("AuthorizationFailure"), "{err}");
    let text = format!("{err} {err:?}");
    assert!(!text.contains(&wrong_key), "{text}");
    assert!(!text.contains("SharedKey devstoreaccount1:"), "{text}");
    assert!(
        !text.contains("Server used following string to sign"),
        "{text}"
    );
}

#[tokio::test]
async fn sas_container_uploads_a_code_folder_like_python() {
    let Some((azurite, client, name, _)) = azurite_container("sas").await else {
        return;
    };
    // What startPendingUpload returns: a container URL with a SAS.
    let sas_url = format!(
        "{}?{}",
        azurite.container_url(&name),
        container_sas(&name, "racwl")
    );
    let c = BlobContainer::from_sas_url(&client, &Secret::new(sas_url)).unwrap();
    assert!(!format!("{c:?}").contains("sig="), "{c:?}");

    let dir = tempfile::tempdir().unwrap();
    let scoring = dir.path().join("scoring");
    std::fs::create_dir_all(scoring.join("utils")).unwrap();
    std::fs::write(scoring.join("score.py"), b"def run(x):\n    return x\n").unwrap();
    std::fs::write(scoring.join("utils/helpers.py"), b"H = 1\n").unwrap();
    std::fs::write(scoring.join("notes.log"), b"ignored").unwrap();
    std::fs::write(scoring.join(".amlignore"), b"*.log\n").unwrap();

    let meta = upload_metadata("c7d248a6-addf-4c99-b128-4cd8b3defafc", "1");
    let seen: Arc<Mutex<Vec<UploadProgress>>> = Arc::default();
    let sink = seen.clone();
    let options = UploadOptions::default().with_progress(ProgressCallback::new(move |p| {
        sink.lock().unwrap().push(p.clone())
    }));
    let summary = upload_path(&c, &scoring, "", &meta, &options)
        .await
        .unwrap();
    assert!(!summary.skipped);
    assert_eq!(summary.files, 3, "score.py, utils/helpers.py, .amlignore");
    assert_eq!(summary.remote_path, "scoring");
    for blob in [
        "scoring/score.py",
        "scoring/utils/helpers.py",
        "scoring/.amlignore",
    ] {
        assert!(c.head_blob(blob).await.unwrap().is_some(), "{blob}");
    }
    assert!(c.head_blob("scoring/notes.log").await.unwrap().is_none());
    assert_eq!(
        get_blob(&azurite, &name, "scoring/utils/helpers.py")
            .await
            .unwrap(),
        b"H = 1\n"
    );
    // The confirmation metadata sits on the indicator blob only.
    let indicator = c.head_blob(&summary.indicator_blob).await.unwrap().unwrap();
    assert_eq!(indicator.metadata, meta);
    let last = seen
        .lock()
        .unwrap()
        .last()
        .cloned()
        .expect("progress was reported");
    assert_eq!((last.files_done, last.files_total), (3, 3));
    assert_eq!(last.bytes_sent, last.total_bytes);
    assert_eq!(last.bytes_sent, summary.bytes);

    // A second upload of the same folder finds the confirmation and sends nothing.
    let again = upload_path(&c, &scoring, "", &meta, &UploadOptions::default())
        .await
        .unwrap();
    assert!(again.skipped);
    assert_eq!((again.files, again.bytes), (0, 0));
    assert_eq!(again.existing_metadata.get("name"), meta.get("name"));

    // A SAS without write permission is refused.
    let read_only = format!(
        "{}?{}",
        azurite.container_url(&name),
        container_sas(&name, "r")
    );
    let ro = BlobContainer::from_sas_url(&client, &Secret::new(read_only)).unwrap();
    let err = ro
        .put_blob("nope.txt", Bytes::from_static(b"x"), false)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(403), "{err}");
    assert!(!format!("{err} {err:?}").contains("sig="), "{err:?}");
}

#[tokio::test]
async fn model_upload_to_local_upload_hash_then_reuse() {
    let Some((azurite, _, name, c)) = azurite_container("model").await else {
        return;
    };

    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model.pkl");
    let data = pseudo_random(39_336, 3);
    std::fs::write(&model, &data).unwrap();
    let prefix = format!(
        "{ARTIFACT_ORIGIN}/{}",
        hash_model_path(&model).await.unwrap()
    );
    let meta = upload_metadata("customer-churn-model", "1");
    let summary = upload_path(&c, &model, &prefix, &meta, &UploadOptions::default())
        .await
        .unwrap();
    assert_eq!(summary.remote_path, format!("{prefix}/model.pkl"));
    assert_eq!(summary.indicator_blob, summary.remote_path);
    assert_eq!((summary.files, summary.bytes), (1, data.len() as u64));
    assert_eq!(
        get_blob(&azurite, &name, &summary.remote_path)
            .await
            .unwrap(),
        data
    );
    assert_eq!(
        c.head_blob(&summary.remote_path)
            .await
            .unwrap()
            .unwrap()
            .metadata,
        meta
    );

    // Registered again under another name: Python reuses the blob and the first name/version.
    let again = upload_path(
        &c,
        &model,
        &prefix,
        &upload_metadata("other", "7"),
        &UploadOptions::default(),
    )
    .await
    .unwrap();
    assert!(again.skipped);
    assert_eq!(
        again.existing_metadata.get("name").map(String::as_str),
        Some("customer-churn-model")
    );
}

#[tokio::test]
async fn interrupted_uploads_are_completed_by_overwriting() {
    let Some((azurite, _, name, c)) = azurite_container("resume").await else {
        return;
    };

    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("code");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("a.py"), b"A = 1\n").unwrap();
    std::fs::write(folder.join("b.py"), b"B = 2\n").unwrap();

    // Leftovers of an interrupted run: a stale, unconfirmed indicator and another stale blob.
    c.put_blob("p/a.py", Bytes::from_static(b"stale a"), false)
        .await
        .unwrap();
    c.put_blob("p/b.py", Bytes::from_static(b"stale b"), false)
        .await
        .unwrap();
    let meta: BTreeMap<String, String> = upload_metadata("code", "1");
    let summary = upload_folder(&c, &folder, "p", &meta, &UploadOptions::default())
        .await
        .unwrap();
    assert!(!summary.skipped);
    assert_eq!(summary.files, 2);
    assert_eq!(
        get_blob(&azurite, &name, "p/a.py").await.unwrap(),
        b"A = 1\n"
    );
    assert_eq!(
        get_blob(&azurite, &name, "p/b.py").await.unwrap(),
        b"B = 2\n"
    );

    // Only a non-indicator leftover (the indicator never got written): still completes.
    std::fs::write(folder.join("a.py"), b"A = 3\n").unwrap();
    c.put_blob("q/b.py", Bytes::from_static(b"stale b"), false)
        .await
        .unwrap();
    let summary = upload_folder(&c, &folder, "q", &meta, &UploadOptions::default())
        .await
        .unwrap();
    assert_eq!(summary.files, 2);
    assert_eq!(
        get_blob(&azurite, &name, "q/b.py").await.unwrap(),
        b"B = 2\n"
    );
    assert_eq!(
        c.head_blob(&summary.indicator_blob)
            .await
            .unwrap()
            .unwrap()
            .metadata,
        meta
    );
}

#[tokio::test]
async fn bearer_tokens_authorize_blob_requests_over_https() {
    let Some(azurite) = Azurite::start_https_oauth() else {
        return;
    };
    let credential = Arc::new(super::support::jwt_credential());
    let options = crate::MLClientOptions::default()
        .with_root_certificate_pem(azurite.ca_pem.clone().expect("https instance has a CA"));
    let client = super::support::client_with(credential.clone(), options);
    let name = container_name("bearer");
    let c = BlobContainer::new(
        &client,
        azurite.container_url(&name),
        StorageAuth::bearer(credential.clone()),
    )
    .unwrap();
    assert!(c.create_container().await.unwrap());
    c.put_blob(
        "LocalUpload/h/model.pkl",
        Bytes::from_static(b"model bytes"),
        false,
    )
    .await
    .unwrap();
    let meta = upload_metadata("m", "1");
    c.set_metadata("LocalUpload/h/model.pkl", &meta)
        .await
        .unwrap();
    let props = c
        .head_blob("LocalUpload/h/model.pkl")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(props.content_length, 11);
    assert_eq!(props.metadata, meta);
    assert_eq!(credential.calls(), 1, "the token is cached");

    // Azurite really checks the token: one that is not a JWT is refused.
    let not_jwt = BlobContainer::new(
        &client,
        azurite.container_url(&name),
        StorageAuth::bearer(Arc::new(super::support::TestCredential::naming_scopes())),
    )
    .unwrap();
    let err = not_jwt
        .head_blob("LocalUpload/h/model.pkl")
        .await
        .unwrap_err();
    assert!(matches!(err.status(), Some(401 | 403)), "{err}");
}
