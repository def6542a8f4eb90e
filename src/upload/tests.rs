//! Our hashes equal azure-ai-ml 1.35.2's for the same folder, so the two SDKs deduplicate each
//! other's uploads. Expected values come from `scripts/python_hashes.py` (which builds the
//! same fixture and calls Python's `get_content_hash` / `get_object_hash`); the fixture covers
//! an `.amlignore` with anchored, negated and directory patterns, a `.gitignore`-only folder,
//! nested and empty folders, an empty file, mixed-case and non-ASCII names, and symbolic links
//! to a file and to a folder.

use std::path::Path;

use crate::upload::{content_hash, hash_code_folder, hash_model_path, list_files, IgnoreFile};

fn write(root: &Path, rel: &str, content: &[u8]) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, content).unwrap();
}

/// Mirrors `build_fixture` in scripts/python_hashes.py.
fn build_fixture(root: &Path) {
    let code = root.join("code");
    let deep = "deep\n".repeat(1000);
    let files: [(&str, &[u8]); 14] = [
        (
            ".amlignore",
            b"*.log\n/build\n!keep.log\nsecret/\n# comment\n",
        ),
        ("score.py", b"print('hi')\n"),
        ("Score_Utils.py", b"UTILS = 1\n"),
        ("a.log", b"ignored\n"),
        ("keep.log", b"kept\n"),
        ("build/out.bin", b"\x00\x01\x02"),
        ("src/build/x.txt", b"not anchored\n"),
        ("src/Helper.py", b"def helper():\n    return 2\n"),
        ("src/sub/deep.txt", deep.as_bytes()),
        ("empty.txt", b""),
        ("secret/key.txt", b"s3cr3t\n"),
        ("\u{fc}n\u{ef}code.txt", b"unicode name\n"),
        ("B.txt", b"upper b\n"),
        ("a.txt", b"lower a\n"),
    ];
    for (rel, content) in files {
        write(&code, rel, content);
    }
    std::fs::create_dir(code.join("emptydir")).unwrap();
    std::os::unix::fs::symlink("score.py", code.join("link_to_score.py")).unwrap();
    std::os::unix::fs::symlink("src/sub", code.join("linkdir")).unwrap();

    let git = root.join("gitonly");
    write(&git, ".gitignore", b"__pycache__/\n*.pyc\n");
    write(&git, "pkg/mod.py", b"x = 1\n");
    write(&git, "pkg/mod.pyc", b"\x00compiled");
    write(&git, "__pycache__/mod.cpython-311.pyc", b"\x00cache");

    let model: Vec<u8> = (0..40).flat_map(|_| 0u8..=255).collect();
    std::fs::write(root.join("model.pkl"), model).unwrap();
}

#[tokio::test]
async fn code_folder_hash_equals_pythons_get_content_hash() {
    let dir = tempfile::tempdir().unwrap();
    build_fixture(dir.path());
    assert_eq!(
        hash_code_folder(&dir.path().join("code")).await.unwrap(),
        "77e658c564f481a930e064ef28a2f3c69aaea72be0d226cf2c5d54f2ec08e7db"
    );
    assert_eq!(
        hash_code_folder(&dir.path().join("gitonly")).await.unwrap(),
        "d35b8da373b260fc304521be9dc1292b65e56401220fb99b8a35279fa20a1ce5"
    );
    // A single file hashes as a one-file folder named after it.
    assert_eq!(
        hash_code_folder(&dir.path().join("model.pkl"))
            .await
            .unwrap(),
        "45bc7fb5313f6ba3874896e3761ecc0a5f6bd3a84be0057d60236e11be4845aa"
    );
}

#[tokio::test]
async fn model_path_hash_equals_pythons_get_object_hash() {
    let dir = tempfile::tempdir().unwrap();
    build_fixture(dir.path());
    assert_eq!(
        hash_model_path(&dir.path().join("model.pkl"))
            .await
            .unwrap(),
        "54f89ae4f8a59c0acb801be8fbdad0dfd402861eac796d780262ca515f9bad96"
    );
    assert_eq!(
        hash_model_path(&dir.path().join("code")).await.unwrap(),
        "0d767a56f48f022d15e9fc0fe01a289cfbd5fa7dcb6c96ab3988384f08012753"
    );
    assert_eq!(
        hash_model_path(&dir.path().join("gitonly")).await.unwrap(),
        "ea6ea31b024a0de075056070ba8a4ebf4def3ba46784470a49e67bc7e8ab8e0e"
    );
}

#[tokio::test]
async fn ignore_rules_change_the_hash_and_the_listing() {
    let dir = tempfile::tempdir().unwrap();
    build_fixture(dir.path());
    let code = dir.path().join("code");
    let with_rules = hash_code_folder(&code).await.unwrap();
    let without = content_hash(&code, &IgnoreFile::none()).await.unwrap();
    assert_ne!(with_rules, without);

    let ignore = IgnoreFile::for_folder(&code).unwrap();
    let mut listed: Vec<String> = list_files(&code, &ignore)
        .unwrap()
        .into_iter()
        .map(|f| f.relative_path)
        .collect();
    listed.sort();
    assert_eq!(
        listed,
        [
            ".amlignore",
            "B.txt",
            "Score_Utils.py",
            "a.txt",
            "empty.txt",
            "keep.log",
            "link_to_score.py",
            "linkdir/deep.txt",
            "score.py",
            "src/Helper.py",
            "src/build/x.txt",
            "src/sub/deep.txt",
            "\u{fc}n\u{ef}code.txt",
        ]
    );
}
