//! The two process-group signals the supervisor needs, which std does not offer.
//!
//! `azmlinfsrv` is a gunicorn master with worker children; killing only the master leaves the
//! workers behind. Every instance is spawned as the leader of its own process group, and the
//! whole group is signalled.
#![allow(unsafe_code)]

/// Sends `signal` to every process in group `pgid`. Returns false when the group is gone.
pub(crate) fn signal_group(pgid: u32, signal: i32) -> bool {
    let Ok(pgid) = libc::pid_t::try_from(pgid) else {
        return false;
    };
    if pgid <= 1 {
        // 0 would be our own group and 1 every process: never valid instance groups.
        return false;
    }
    // SAFETY: killpg has no memory-safety preconditions; pgid > 1 names one process group.
    unsafe { libc::killpg(pgid, signal) == 0 }
}

/// Makes the child get SIGTERM when the thread that spawned it ends (the workspace's runtime
/// going away, or its process dying), so a killed workspace leaves no model servers behind.
#[cfg(target_os = "linux")]
pub(crate) fn terminate_with_parent(cmd: &mut tokio::process::Command) {
    // SAFETY: the closure runs between fork and exec and only calls prctl, which is
    // async-signal-safe; it touches no memory of the parent.
    unsafe {
        cmd.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM, 0, 0, 0) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
}

/// No parent-death signal off Linux; shutdown and Drop still stop every group.
#[cfg(not(target_os = "linux"))]
pub(crate) fn terminate_with_parent(_cmd: &mut tokio::process::Command) {}

/// SIGTERM.
pub(crate) const SIGTERM: i32 = libc::SIGTERM;
/// SIGKILL.
pub(crate) const SIGKILL: i32 = libc::SIGKILL;

/// Live (non-zombie) processes whose process group is `pgid`, read from `/proc`.
#[cfg(test)]
pub(crate) fn live_group_members(pgid: u32) -> Vec<u32> {
    let mut members = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return members;
    };
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // Format: pid (comm) state ppid pgrp ...; comm may contain spaces and parentheses.
        let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
            continue;
        };
        let mut fields = rest.split_whitespace();
        let state = fields.next().unwrap_or("Z");
        let _ppid = fields.next();
        let pgrp = fields.next().and_then(|p| p.parse::<u32>().ok());
        if pgrp == Some(pgid) && state != "Z" && state != "X" {
            members.push(pid);
        }
    }
    members
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_dangerous_groups() {
        assert!(!signal_group(0, 0));
        assert!(!signal_group(1, 0));
        assert!(!signal_group(u32::MAX, 0));
    }

    #[tokio::test]
    async fn kills_a_whole_group() {
        let mut child = tokio::process::Command::new("sh")
            .args(["-c", "sleep 30 & sleep 30 & wait"])
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let pgid = child.id().unwrap();
        // Both sleeps and the shell share the group once the shell has forked them.
        for _ in 0..200 {
            if live_group_members(pgid).len() >= 3 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert!(live_group_members(pgid).len() >= 3);
        assert!(signal_group(pgid, SIGKILL));
        child.wait().await.unwrap();
        for _ in 0..200 {
            if live_group_members(pgid).is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert!(live_group_members(pgid).is_empty());
    }
}
