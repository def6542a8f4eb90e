//! What a command ends with, and the exit codes `az` uses: 0 ok, 1 the service or the
//! operation failed, 2 usage or validation (nothing was sent), 3 the resource does not exist.

use std::fmt;

/// Exit code of a failed command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitCode {
    /// The service refused or the operation failed.
    Failure = 1,
    /// Bad arguments, bad YAML, a rule the client checks: nothing was sent.
    Usage = 2,
    /// The resource does not exist (HTTP 404).
    NotFound = 3,
}

/// A failed command: the message printed after `ERROR:` and the exit code.
#[derive(Debug)]
pub struct CliError {
    /// Exit code.
    pub code: ExitCode,
    /// Message (never a secret).
    pub message: String,
}

impl CliError {
    /// A usage error (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            code: ExitCode::Usage,
            message: message.into(),
        }
    }

    /// A failure (exit 1).
    pub fn failure(message: impl Into<String>) -> Self {
        Self {
            code: ExitCode::Failure,
            message: message.into(),
        }
    }

    /// A missing resource (exit 3).
    pub fn not_found(message: impl Into<String>) -> Self {
        Self {
            code: ExitCode::NotFound,
            message: message.into(),
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<azure_ai_ml::Error> for CliError {
    fn from(e: azure_ai_ml::Error) -> Self {
        use azure_ai_ml::Error;
        let code = match &e {
            // Checked before anything was sent (files too: a YAML or request file that can't be read).
            Error::Validation { .. } | Error::Io { .. } => ExitCode::Usage,
            Error::Service { status: 404, .. } => ExitCode::NotFound,
            _ => ExitCode::Failure,
        };
        Self {
            code,
            message: e.to_string(),
        }
    }
}

/// The result of a command.
pub type CliResult<T> = std::result::Result<T, CliError>;
