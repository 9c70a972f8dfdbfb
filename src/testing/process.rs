//! A real `sgmock` process for tests and drivers: started from a binary on a free loopback port,
//! ready once it has printed its ready line ([`crate::READY_LINE`]), its stderr lines kept as they
//! come, killed when dropped. The crash, connection and reliability tests and the benchmark driver
//! all start servers through this one type.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A running sgmock process.
pub struct Process {
    /// `None` once [`Process::wait_within`] has handed the child to its waiting thread.
    child: Option<Child>,
    pid: u32,
    /// Reaped: its pid may belong to another process now, so it is never signalled again.
    ended: bool,
    /// `IP:PORT` from the ready line.
    pub addr: String,
    log: mpsc::Receiver<String>,
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}

impl Process {
    /// `bin --listen 127.0.0.1:0 ARGS…`, once ready.
    pub fn start(bin: impl AsRef<std::ffi::OsStr>, args: &[&str]) -> Result<Process, String> {
        let mut cmd = Command::new(bin);
        cmd.args(["--listen", "127.0.0.1:0"]).args(args);
        Process::spawn(cmd)
    }

    /// A command the caller built (a wrapper such as `bash -c 'ulimit …'`, environment variables),
    /// which must end up running sgmock; stdout and stderr are taken over here.
    pub fn spawn(mut cmd: Command) -> Result<Process, String> {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("spawn {:?}: {e}", cmd.get_program()))?;
        let (tx, log) = mpsc::channel();
        if let Some(stderr) = child.stderr.take() {
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
        }
        let mut line = String::new();
        if let Some(stdout) = child.stdout.take() {
            BufReader::new(stdout)
                .read_line(&mut line)
                .map_err(|e| format!("reading the ready line: {e}"))?;
        }
        let pid = child.id();
        let mut process = Process {
            child: Some(child),
            pid,
            ended: false,
            addr: String::new(),
            log,
        };
        match line.trim().strip_prefix(crate::READY_LINE) {
            Some(addr) => {
                process.addr = addr.to_string();
                Ok(process)
            }
            None => {
                // It ended without a ready line: its stderr says why.
                let _ = process.wait_within(Duration::from_secs(20));
                Err(format!(
                    "sgmock did not start ({line:?}): {}",
                    process.log_so_far()
                ))
            }
        }
    }

    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// The stderr lines received so far, joined.
    pub fn log_so_far(&self) -> String {
        self.log.try_iter().collect::<Vec<_>>().join("\n")
    }

    /// Wait (at most `limit`) for a stderr line containing `needle`.
    pub fn logged(&self, needle: &str, limit: Duration) -> Option<String> {
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.log.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return Some(line),
                Ok(_) => {}
                Err(_) => return None,
            }
        }
    }

    /// SIGKILL, and reap it.
    pub fn kill(&mut self) {
        match self.child.as_mut() {
            Some(child) => {
                let _ = child.kill();
                let _ = child.wait();
            }
            // Its waiting thread reaps it.
            None if !self.ended => signal(self.pid, "-KILL"),
            None => {}
        }
    }

    /// SIGTERM (a graceful stop); see [`Process::wait_within`].
    pub fn terminate(&self) {
        if !self.ended {
            signal(self.pid, "-TERM");
        }
    }

    /// Wait at most `limit` for the process to end; its exit status, or an error saying it did not.
    pub fn wait_within(&mut self, limit: Duration) -> Result<ExitStatus, String> {
        let Some(mut child) = self.child.take() else {
            return Err("the process was already waited for".into());
        };
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(child.wait());
        });
        match rx.recv_timeout(limit) {
            Ok(status) => {
                self.ended = true;
                status.map_err(|e| e.to_string())
            }
            Err(_) => Err(format!("the process did not end within {limit:?}")),
        }
    }

    /// Resident memory in KiB (Linux; 0 where `/proc` does not tell).
    pub fn rss_kib(&self) -> u64 {
        self.status_kib("VmRSS:")
    }

    /// The most resident memory the process has had, in KiB (Linux's high-water mark; 0 where
    /// `/proc` does not tell).
    pub fn peak_rss_kib(&self) -> u64 {
        self.status_kib("VmHWM:")
    }

    fn status_kib(&self, field: &str) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.pid))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with(field))
                    .and_then(|l| l.split_whitespace().nth(1))
                    .and_then(|v| v.parse().ok())
            })
            .unwrap_or(0)
    }
}

fn signal(pid: u32, which: &str) {
    let _ = Command::new("kill")
        .args([which, &pid.to_string()])
        .status();
}

/// Run `bin ARGS…` expecting it to refuse to start (or to end by itself): (exit code, stderr),
/// within `limit`.
pub fn refused(
    bin: impl AsRef<std::ffi::OsStr>,
    args: &[&str],
    limit: Duration,
) -> Result<(Option<i32>, String), String> {
    let mut child = Command::new(bin)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    let stderr = child.stderr.take();
    std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut s) = stderr {
            let _ = s.read_to_string(&mut text);
        }
        let _ = tx.send((child.wait().ok().and_then(|s| s.code()), text));
    });
    rx.recv_timeout(limit).map_err(|_| {
        signal(pid, "-KILL");
        format!("the process did not end within {limit:?}")
    })
}
