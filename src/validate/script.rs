//! The scoring script's Python syntax, checked before anything is uploaded.
//!
//! Python's `online_deployments.begin_create_or_update` runs `ast.parse` on a local scoring
//! script first (`validate_scoring_script`) and refuses the deployment on a `SyntaxError`,
//! unless called with `skip_script_validation=True`. This does the same with the Python
//! interpreter of the machine (`python3`, else `python`, on `PATH`): the very parser, grammar
//! version and encoding rules (PEP 263 coding cookies, BOMs) Python's SDK would apply, and no
//! parser compiled into this crate. Without a usable interpreter the check is skipped with one
//! warning, as a check that cannot run must not block a deployment.
//!
//! The interpreter runs isolated (`-I -B -S`: no environment variables, user site or bytecode
//! written), reads the script's bytes and only parses them (`ast.parse` compiles nothing and
//! runs nothing), and is killed after [`TIME_LIMIT`].

use std::ffi::OsString;
use std::path::Path;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use super::{fail, is_local_path};
use crate::entities::OnlineDeployment;
use crate::Result;

/// How long one syntax check may take (the interpreter is killed after it; the check is then
/// skipped with a warning).
pub(crate) const TIME_LIMIT: Duration = Duration::from_secs(30);

/// The field the check reports on.
const FIELD: &str = "code_configuration.scoring_script";

/// Interpreters tried, in order, when none has answered yet.
const CANDIDATES: &[&str] = &["python3", "python"];

/// Longest excerpt of the offending line quoted in an error.
const MAX_QUOTED_LINE: usize = 120;

/// Reads the script (argv[1]) as bytes and parses it; prints one JSON line. Never executes the
/// script.
const CHECK_PROGRAM: &str = r#"
import ast, json, sys
out = {"v": 1, "exe": sys.executable}
try:
    with open(sys.argv[1], "rb") as f:
        src = f.read()
    try:
        ast.parse(src, sys.argv[1])
        out["ok"] = True
    except SyntaxError as e:
        out.update(ok=False, kind=type(e).__name__, msg=str(e.msg), line=e.lineno, offset=e.offset, text=e.text)
    except ValueError as e:
        out.update(ok=False, kind=type(e).__name__, msg=str(e))
    except (RecursionError, MemoryError) as e:
        out.update(ok=None, kind=type(e).__name__)
except OSError as e:
    out.update(ok=False, kind="OSError", msg=str(e))
print(json.dumps(out))
"#;

/// The interpreter that answered last (its `sys.executable`, which skips shims such as
/// pyenv's on later runs).
static INTERPRETER: Mutex<Option<OsString>> = Mutex::new(None);
/// Whether the "no interpreter" warning was logged.
static WARNED: AtomicBool = AtomicBool::new(false);

#[derive(serde::Deserialize)]
struct Outcome {
    v: u32,
    exe: Option<String>,
    ok: Option<bool>,
    kind: Option<String>,
    msg: Option<String>,
    line: Option<u64>,
    offset: Option<u64>,
    text: Option<String>,
}

/// Checks the Python syntax of a deployment's local scoring script, before anything is
/// uploaded, as Python's SDK does; nothing to do when the deployment's
/// `skip_script_validation` is set, when there is no code configuration, or when the code is a registered asset (not local).
///
/// Runs the machine's Python interpreter to parse (never run) the script; without one, the
/// check is skipped with a warning in the logs.
///
/// # Errors
/// [`Error::Validation`](crate::Error::Validation) on `code_configuration.scoring_script` for a
/// syntax error (with line, column and message), or a script the interpreter cannot read.
pub async fn scoring_script(deployment: &OnlineDeployment) -> Result<()> {
    if deployment.skip_script_validation() {
        return Ok(());
    }
    let Some(code) = deployment.code_configuration() else {
        return Ok(());
    };
    let Some(folder) = code.code.as_deref().filter(|c| is_local_path(c)) else {
        return Ok(());
    };
    let path = Path::new(folder).join(&code.scoring_script);
    let Some(outcome) = parse_with_python(&path).await else {
        return Ok(());
    };
    match outcome.ok {
        Some(true) => Ok(()),
        None => {
            tracing::warn!(
                script = %path.display(),
                reason = outcome.kind.as_deref().unwrap_or("unknown"),
                "the scoring script is too deeply nested to check; not checked"
            );
            Ok(())
        }
        Some(false) => fail(FIELD, describe(&code.scoring_script, &outcome)),
    }
}

fn describe(script: &str, outcome: &Outcome) -> String {
    let kind = outcome.kind.as_deref().unwrap_or("SyntaxError");
    let msg = outcome.msg.as_deref().unwrap_or("invalid syntax");
    if kind == "OSError" {
        return format!("cannot read `{script}`: {msg}");
    }
    let mut rule = format!("`{script}` is not valid Python ({kind}");
    if let Some(line) = outcome.line {
        rule.push_str(&format!(" on line {line}"));
        if let Some(column) = outcome.offset.filter(|c| *c > 0) {
            rule.push_str(&format!(", column {column}"));
        }
    }
    rule.push_str(&format!(": {msg})"));
    if let Some(text) = outcome
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        let mut quoted: String = text.chars().take(MAX_QUOTED_LINE).collect();
        if quoted.len() < text.len() {
            quoted.push('…');
        }
        rule.push_str(&format!(": `{quoted}`"));
    }
    rule.push_str(
        "; set `skip_script_validation` (`--skip-script-validation` in azml and az) to deploy it anyway",
    );
    rule
}

/// The interpreter's verdict, or `None` when no interpreter could give one.
async fn parse_with_python(script: &Path) -> Option<Outcome> {
    let cached = INTERPRETER
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .clone();
    let candidates = cached
        .into_iter()
        .chain(CANDIDATES.iter().map(OsString::from));
    for interpreter in candidates {
        match run(&interpreter, script).await {
            Ok(Some(outcome)) => {
                if let Some(exe) = outcome.exe.as_deref().filter(|e| !e.is_empty()) {
                    *INTERPRETER
                        .lock()
                        .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(exe.into());
                }
                return Some(outcome);
            }
            Ok(None) => {}
            Err(e) => {
                tracing::debug!(interpreter = ?interpreter, error = %e, "no Python interpreter here")
            }
        }
    }
    if !WARNED.swap(true, Ordering::Relaxed) {
        tracing::warn!(
            "no usable Python interpreter (python3 or python on PATH): scoring scripts are deployed without a syntax check"
        );
    }
    None
}

/// One run of `interpreter`: `Ok(None)` when it ran but gave no verdict (not Python 3, timed
/// out), `Err` when it could not be started.
async fn run(interpreter: &OsString, script: &Path) -> std::io::Result<Option<Outcome>> {
    let child = tokio::process::Command::new(interpreter)
        .args(["-I", "-B", "-S", "-c", CHECK_PROGRAM])
        .arg(script)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    let Ok(output) = tokio::time::timeout(TIME_LIMIT, child.wait_with_output()).await else {
        tracing::warn!(interpreter = ?interpreter, limit = ?TIME_LIMIT, "the scoring script syntax check timed out; not checked");
        return Ok(None);
    };
    let output = output?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let verdict = stdout
        .lines()
        .rev()
        .find_map(|line| serde_json::from_str::<Outcome>(line.trim()).ok())
        .filter(|o| o.v == 1);
    if verdict.is_none() {
        tracing::debug!(interpreter = ?interpreter, status = ?output.status, "not a usable Python 3 interpreter");
    }
    Ok(verdict)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(json: serde_json::Value) -> Outcome {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn syntax_errors_name_line_column_message_and_the_opt_out() {
        let o = outcome(serde_json::json!({
            "v": 1, "ok": false, "kind": "SyntaxError", "msg": "invalid syntax",
            "line": 3, "offset": 9, "text": "def run(:\n"
        }));
        let rule = describe("score.py", &o);
        assert_eq!(
            rule,
            "`score.py` is not valid Python (SyntaxError on line 3, column 9: invalid syntax): `def run(:`; set `skip_script_validation` (`--skip-script-validation` in azml and az) to deploy it anyway"
        );
    }

    #[tokio::test]
    async fn a_missing_interpreter_is_an_error_and_a_non_python_one_gives_no_verdict() {
        let script = Path::new("score.py");
        let missing = run(&OsString::from("no-such-python-interpreter-here"), script).await;
        assert!(missing.is_err());
        // `true` runs, prints nothing and exits 0: not a verdict (the check is then skipped).
        if let Ok(verdict) = run(&OsString::from("true"), script).await {
            assert!(verdict.is_none());
        }
    }

    #[tokio::test]
    async fn the_machines_python_parses_without_running() {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("score.py");
        // Running this would create a file; parsing must not.
        let marker = dir.path().join("ran");
        std::fs::write(
            &script,
            format!("open({:?}, 'w').write('x')\n", marker.display().to_string()),
        )
        .unwrap();
        let Some(outcome) = parse_with_python(&script).await else {
            eprintln!("no Python interpreter on this machine: nothing to check");
            return;
        };
        assert_eq!(outcome.ok, Some(true));
        assert!(!marker.exists(), "the script was run");
        std::fs::write(&script, "def run(:\n").unwrap();
        let outcome = parse_with_python(&script).await.unwrap();
        assert_eq!(outcome.ok, Some(false));
        assert_eq!(outcome.line, Some(1));
        // PEP 263: a Latin-1 script with its coding cookie is valid Python.
        std::fs::write(&script, b"# -*- coding: latin-1 -*-\nNAME = '\xe9t\xe9'\n").unwrap();
        assert_eq!(parse_with_python(&script).await.unwrap().ok, Some(true));
    }

    #[test]
    fn long_lines_are_cut() {
        let o = outcome(serde_json::json!({
            "v": 1, "ok": false, "kind": "SyntaxError", "msg": "x", "text": "y".repeat(500)
        }));
        let rule = describe("score.py", &o);
        assert!(
            rule.contains(&format!("{}…", "y".repeat(MAX_QUOTED_LINE))),
            "{rule}"
        );
        assert!(!rule.contains(&"y".repeat(MAX_QUOTED_LINE + 1)));
    }
}
