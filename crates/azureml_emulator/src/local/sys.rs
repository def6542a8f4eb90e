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

/// Makes the child get SIGTERM when the thread that spawned it ends. Only
/// [`crate::local::spawner`] calls it: its thread lasts as long as the process, so the signal
/// comes when the workspace's process dies (also on `kill -9`), and never earlier.
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

/// Environment variable naming the workspace folder an instance belongs to.
pub(crate) const WORKSPACE_ENV: &str = "AZUREML_EMULATOR_WORKSPACE";
/// Environment variable holding the pid of the workspace process that started an instance.
pub(crate) const OWNER_ENV: &str = "AZUREML_EMULATOR_OWNER_PID";

/// `(state, process group)` of a process, from `/proc/{pid}/stat`.
fn proc_stat(pid: u32) -> Option<(char, u32)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Format: pid (comm) state ppid pgrp ...; comm may contain spaces and parentheses.
    let rest = stat.get(stat.rfind(')')? + 1..)?;
    let mut fields = rest.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let _ppid = fields.next();
    let pgrp = fields.next()?.parse::<u32>().ok()?;
    Some((state, pgrp))
}

/// Pids listed in `/proc`.
fn all_pids() -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()))
        .collect()
}

/// True while `pid` exists and is not a zombie. Without `/proc` (not Linux) it is assumed
/// to be running.
pub(crate) fn process_running(pid: u32) -> bool {
    if !std::path::Path::new("/proc/self/stat").exists() {
        return true;
    }
    proc_stat(pid).is_some_and(|(state, _)| state != 'Z' && state != 'X')
}

/// Kills the model servers an earlier, now dead, process of the workspace in `dir` left
/// behind (a `kill -9` gives them SIGTERM, but a server that ignores it would keep its port).
/// Instances carry [`WORKSPACE_ENV`] and [`OWNER_ENV`]; only groups whose owner is gone are
/// killed, so a second live process on the same folder is left alone. Returns the number of
/// groups killed.
pub(crate) fn sweep_orphans(dir: &std::path::Path) -> usize {
    let marker = format!("{WORKSPACE_ENV}={}", dir.display());
    let me = std::process::id();
    let own_group = proc_stat(me).map(|(_, pgrp)| pgrp);
    let mut groups = std::collections::BTreeSet::new();
    for pid in all_pids() {
        let Ok(environ) = std::fs::read(format!("/proc/{pid}/environ")) else {
            continue;
        };
        let vars: Vec<&[u8]> = environ.split(|b| *b == 0).collect();
        if !vars.contains(&marker.as_bytes()) {
            continue;
        }
        let owner = vars.iter().find_map(|v| {
            std::str::from_utf8(v)
                .ok()?
                .strip_prefix(OWNER_ENV)?
                .strip_prefix('=')?
                .parse::<u32>()
                .ok()
        });
        let orphaned = owner.is_none_or(|o| o != me && !process_running(o));
        if let (true, Some((_, pgrp))) = (orphaned, proc_stat(pid)) {
            if Some(pgrp) != own_group {
                groups.insert(pgrp);
            }
        }
    }
    groups
        .into_iter()
        .filter(|pgid| signal_group(*pgid, SIGKILL))
        .count()
}

/// Live (non-zombie) processes whose process group is `pgid`, read from `/proc`.
#[cfg(test)]
pub(crate) fn live_group_members(pgid: u32) -> Vec<u32> {
    all_pids()
        .into_iter()
        .filter(|pid| {
            proc_stat(*pid)
                .is_some_and(|(state, pgrp)| pgrp == pgid && state != 'Z' && state != 'X')
        })
        .collect()
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

    #[tokio::test]
    async fn sweeps_only_groups_whose_owner_is_gone() {
        let dir = tempfile::tempdir().unwrap();
        let start = |owner: u32| {
            tokio::process::Command::new("sh")
                .args(["-c", "sleep 30 & wait"])
                .env(WORKSPACE_ENV, dir.path())
                .env(OWNER_ENV, owner.to_string())
                .process_group(0)
                .kill_on_drop(true)
                .spawn()
                .unwrap()
        };
        // A pid that cannot be a live process: beyond the kernel's pid limit.
        let mut orphan = start(u32::MAX - 1);
        let mut owned = start(std::process::id());
        let (orphan_pgid, owned_pgid) = (orphan.id().unwrap(), owned.id().unwrap());
        for _ in 0..200 {
            if live_group_members(orphan_pgid).len() >= 2
                && live_group_members(owned_pgid).len() >= 2
            {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert_eq!(sweep_orphans(dir.path()), 1);
        orphan.wait().await.unwrap();
        assert!(
            process_running(owned_pgid),
            "a group of a live owner was killed"
        );
        assert!(!process_running(orphan_pgid));
        assert!(signal_group(owned_pgid, SIGKILL));
        owned.wait().await.unwrap();
    }
}
