//! `.amlignore` / `.gitignore` handling with the semantics of azure-ai-ml's `IgnoreFile`.
//!
//! Python reads one ignore file from the root of the uploaded folder (`.amlignore` wins over
//! `.gitignore`; nested ignore files are not read), turns each line into a git wildmatch
//! pattern (the vendored `pathspec` rules: a leading `/` anchors, a trailing `/` means "only
//! below this directory", `**` spans directories, `!` re-includes), and lets the *last*
//! matching pattern decide. Patterns are matched against the path relative to the folder,
//! without a trailing slash even for directories. The same rules are reproduced here because
//! the ignore file changes the content hash, and the hash must equal Python's.

use std::path::{Path, PathBuf};

use regex::Regex;

use crate::error::{Error, Result};

/// Name of the Azure ML ignore file.
pub const AML_IGNORE_FILE_NAME: &str = ".amlignore";
/// Name of the git ignore file (used when there is no `.amlignore`).
pub const GIT_IGNORE_FILE_NAME: &str = ".gitignore";

/// The ignore rules of one folder (possibly none).
#[derive(Clone, Debug, Default)]
pub struct IgnoreFile {
    path: Option<PathBuf>,
    patterns: Vec<(Regex, bool)>,
}

impl IgnoreFile {
    /// No rules: nothing is excluded.
    pub fn none() -> Self {
        Self::default()
    }

    /// The rules of `folder`: its `.amlignore`, else its `.gitignore`, else none (also when
    /// `folder` is a file).
    ///
    /// # Errors
    /// [`Error::Io`] when the ignore file can't be read; [`Error::Validation`] on the ignore
    /// file for a pattern Python rejects too (a lone `!`, a trailing `\`).
    pub fn for_folder(folder: &Path) -> Result<Self> {
        if !folder.is_dir() {
            return Ok(Self::none());
        }
        for name in [AML_IGNORE_FILE_NAME, GIT_IGNORE_FILE_NAME] {
            let path = folder.join(name);
            if path.exists() {
                let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
                let text = String::from_utf8_lossy(&bytes);
                let mut file = Self::parse(&text, name)?;
                file.path = Some(path);
                return Ok(file);
            }
        }
        Ok(Self::none())
    }

    /// Rules from the text of an ignore file (`source` names it in errors).
    ///
    /// # Errors
    /// [`Error::Validation`] on `source` for an invalid pattern.
    pub fn parse(text: &str, source: &str) -> Result<Self> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut patterns = Vec::new();
        for (index, line) in text.lines().enumerate() {
            match pattern_to_regex(line) {
                Ok(None) => {}
                Ok(Some((regex, include))) => {
                    let compiled = Regex::new(&regex).map_err(|_| invalid(source, index, line))?;
                    patterns.push((compiled, include));
                }
                Err(()) => return Err(invalid(source, index, line)),
            }
        }
        Ok(Self {
            path: None,
            patterns,
        })
    }

    /// The ignore file these rules came from, if any.
    pub(crate) fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Whether `relative_path` (`/`-separated, relative to the folder) is excluded.
    pub fn is_excluded(&self, relative_path: &str) -> bool {
        let norm = relative_path
            .strip_prefix('/')
            .or_else(|| relative_path.strip_prefix("./"))
            .unwrap_or(relative_path);
        let mut excluded = false;
        for (regex, include) in &self.patterns {
            if regex.is_match(norm) {
                excluded = *include;
            }
        }
        excluded
    }
}

fn invalid(source: &str, index: usize, line: &str) -> Error {
    Error::validation(
        source,
        format!("line {}: invalid pattern {:?}", index + 1, line.trim()),
    )
}

/// A wildmatch pattern as `(regex, include)`; `Ok(None)` for blank lines and comments,
/// `Err` for patterns that pathspec rejects.
fn pattern_to_regex(line: &str) -> std::result::Result<Option<(String, bool)>, ()> {
    let mut pattern = line.trim();
    if pattern.is_empty() || pattern.starts_with('#') || pattern == "/" {
        return Ok(None);
    }
    let include = if let Some(rest) = pattern.strip_prefix('!') {
        pattern = rest;
        false
    } else {
        true
    };
    let mut segs: Vec<&str> = pattern.split('/').collect();
    // Collapse runs of `**`.
    let mut i = segs.len().saturating_sub(1);
    while i > 0 {
        if segs[i - 1] == "**" && segs[i] == "**" {
            segs.remove(i);
        }
        i -= 1;
    }
    if segs.len() == 2 && segs[0] == "**" && segs[1].is_empty() {
        // `**/` matches everything except files directly in the root.
        return Ok(Some(("^.+/.*$".to_owned(), include)));
    }
    if segs.first().is_some_and(|s| s.is_empty()) {
        segs.remove(0);
    } else if (segs.len() == 1 || (segs.len() == 2 && segs[1].is_empty())) && segs[0] != "**" {
        // A pattern without an inner slash matches at any depth: prefix it with `**`.
        segs.insert(0, "**");
    }
    if segs.is_empty() {
        return Err(());
    }
    let last = segs.len() - 1;
    if segs[last].is_empty() && segs.len() > 1 {
        segs[last] = "**";
    }
    let mut out = String::from("^");
    let mut need_slash = false;
    let end = segs.len() - 1;
    for (i, seg) in segs.iter().enumerate() {
        if *seg == "**" {
            if i == 0 && i == end {
                out.push_str(".+");
            } else if i == 0 {
                out.push_str("(?:.+/)?");
                need_slash = false;
            } else if i == end {
                out.push_str("/.*");
            } else {
                out.push_str("(?:/.+)?");
                need_slash = true;
            }
        } else if *seg == "*" {
            if need_slash {
                out.push('/');
            }
            out.push_str("[^/]+");
            if i == end {
                out.push_str("(?:/.*)?");
            }
            need_slash = true;
        } else {
            if need_slash {
                out.push('/');
            }
            out.push_str(&translate_segment_glob(seg)?);
            if i == end {
                out.push_str("(?:/.*)?");
            }
            need_slash = true;
        }
    }
    out.push('$');
    Ok(Some((out, include)))
}

/// One path segment's glob (`*`, `?`, `[...]`, `\` escapes) as a regex.
fn translate_segment_glob(pattern: &str) -> std::result::Result<String, ()> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut regex = String::new();
    let mut escape = false;
    let mut i = 0;
    let end = chars.len();
    while i < end {
        let c = chars[i];
        i += 1;
        if escape {
            escape = false;
            regex.push_str(&regex::escape(&c.to_string()));
        } else if c == '\\' {
            escape = true;
        } else if c == '*' {
            regex.push_str("[^/]*");
        } else if c == '?' {
            regex.push_str("[^/]");
        } else if c == '[' {
            let mut j = i;
            if j < end && chars[j] == '!' {
                j += 1;
            }
            if j < end && chars[j] == ']' {
                j += 1;
            }
            while j < end && chars[j] != ']' {
                j += 1;
            }
            if j < end {
                j += 1;
                let mut expr = String::from("[");
                if chars[i] == '!' {
                    expr.push('^');
                    i += 1;
                } else if chars[i] == '^' {
                    expr.push_str("\\^");
                    i += 1;
                }
                // Everything up to the closing bracket, literally except for ranges: escaping
                // each character keeps Rust's class operators (`&&`, `--`, nested `[`) inert.
                for &inner in &chars[i..j - 1] {
                    if inner == '-' {
                        expr.push('-');
                    } else {
                        expr.push_str(&regex::escape(&inner.to_string()));
                    }
                }
                expr.push(']');
                regex.push_str(&expr);
                i = j;
            } else {
                regex.push_str("\\[");
            }
        } else {
            regex.push_str(&regex::escape(&c.to_string()));
        }
    }
    if escape {
        return Err(());
    }
    Ok(regex)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(text: &str) -> IgnoreFile {
        IgnoreFile::parse(text, ".amlignore").unwrap()
    }

    #[test]
    fn plain_names_match_at_any_depth_files_and_directories() {
        let r = rules("__pycache__\n*.pyc\n");
        assert!(r.is_excluded("__pycache__"));
        assert!(r.is_excluded("a/__pycache__/x.py"));
        assert!(r.is_excluded("x.pyc"));
        assert!(r.is_excluded("deep/er/x.pyc"));
        assert!(!r.is_excluded("x.py"));
    }

    #[test]
    fn anchors_trailing_slashes_and_double_stars() {
        let r = rules("/build\nlogs/\ndata/**/raw\n");
        assert!(r.is_excluded("build/x"));
        assert!(!r.is_excluded("src/build/x"));
        assert!(r.is_excluded("logs/a.txt"));
        assert!(r.is_excluded("sub/logs/a.txt"));
        // A trailing slash matches below the directory only, not the bare name.
        assert!(!r.is_excluded("logs"));
        assert!(r.is_excluded("data/raw"));
        assert!(r.is_excluded("data/x/y/raw/file"));
        assert!(!r.is_excluded("other/data/raw"));
    }

    #[test]
    fn last_match_wins_and_negation_reincludes() {
        let r = rules("*.txt\n!keep.txt\n");
        assert!(r.is_excluded("a.txt"));
        assert!(!r.is_excluded("keep.txt"));
        let r = rules("!keep.txt\n*.txt\n");
        assert!(r.is_excluded("keep.txt"));
    }

    #[test]
    fn comments_blank_lines_brackets_and_escapes() {
        let r = rules("# comment\n\n   \nfile[0-9].bin\n[!a]x\n\\#hash\nq?.md\n[&&]\n");
        assert!(r.is_excluded("file7.bin"));
        assert!(!r.is_excluded("filex.bin"));
        assert!(r.is_excluded("bx"));
        assert!(!r.is_excluded("ax"));
        assert!(r.is_excluded("#hash"));
        assert!(r.is_excluded("q1.md"));
        assert!(!r.is_excluded("q12.md"));
        assert!(r.is_excluded("&"));
        assert!(!r.is_excluded("# comment"));
    }

    #[test]
    fn everything_below_root_pattern() {
        let r = rules("**/\n");
        assert!(!r.is_excluded("top.py"));
        assert!(r.is_excluded("dir/file.py"));
    }

    #[test]
    fn invalid_patterns_are_validation_errors_naming_the_line() {
        let err = IgnoreFile::parse("ok\n!\n", ".gitignore").unwrap_err();
        assert!(err.is_validation());
        assert!(err.to_string().contains("line 2"), "{err}");
        assert!(IgnoreFile::parse("bad\\", ".gitignore").is_err());
    }
}
