//! Finding the JSON Lines files data collection writes (std only, so the emulator crate's tests
//! include this same file to read what they collected).

use std::path::{Path, PathBuf};

/// The `.jsonl` files under `folder`, sorted (a few date folders deep).
pub fn jsonl_files(folder: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![folder.to_path_buf()];
    // Bounded: yyyy/MM/dd/HH folders, a handful of instance files.
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "jsonl") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}
