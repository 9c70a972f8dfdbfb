//! The test command checks its prerequisites before anything else and names what is missing
//! (issue 11: it used to fail after minutes of building, or not at all on Node 21+).

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// A PATH holding only the shell tools the script's first lines use, plus `fakes` (name, output of
/// `--version`).
fn path_with(dir: &Path, fakes: &[(&str, &str)]) -> String {
    for tool in [
        "bash", "dirname", "sed", "sort", "head", "tr", "cut", "printf",
    ] {
        if let Ok(out) = Command::new("bash")
            .args(["-c", &format!("command -v {tool}")])
            .output()
        {
            let real = String::from_utf8_lossy(&out.stdout).trim().to_string();
            if real.starts_with('/') {
                let _ = std::os::unix::fs::symlink(&real, dir.join(tool));
            }
        }
    }
    for (name, version) in fakes {
        let p = dir.join(name);
        std::fs::write(&p, format!("#!/bin/sh\necho '{version}'\n")).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    dir.display().to_string()
}

fn run(path: &str) -> (Option<i32>, String) {
    run_with(path, &[])
}

/// `CHROMIUM` is pointed at an executable file unless `env` says otherwise, so the other checks are
/// seen alone.
fn run_with(path: &str, env: &[(&str, &str)]) -> (Option<i32>, String) {
    let bash = Command::new("bash")
        .args(["-c", "command -v bash"])
        .output()
        .unwrap();
    let bash = String::from_utf8_lossy(&bash.stdout).trim().to_string();
    let out = Command::new(bash)
        .arg(Path::new(ROOT).join("scripts/test"))
        .env_clear()
        .env("PATH", path)
        .env("CHROMIUM", format!("{path}/bash"))
        .envs(env.iter().copied())
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[test]
fn missing_tools_are_named_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stderr) = run(&path_with(dir.path(), &[]));
    assert_eq!(code, Some(1));
    assert_eq!(
        stderr,
        "scripts/test: missing prerequisites: cargo rustc python3 node npm\n"
    );
}

#[test]
fn tools_that_are_too_old_are_named_with_their_versions() {
    let dir = tempfile::tempdir().unwrap();
    let path = path_with(
        dir.path(),
        &[
            ("cargo", "cargo 1.70.0"),
            ("rustc", "rustc 1.70.0 (90c541806 2023-05-31)"),
            ("node", "v16.20.2"),
            ("npm", "8.19.4"),
        ],
    );
    let (code, stderr) = run(&path);
    assert_eq!(code, Some(1));
    assert_eq!(
        stderr,
        "scripts/test: missing prerequisites: python3 Rust 1.89 or newer (found 1.70.0) Node.js 18 or newer (found 16.20.2)\n"
    );
}

#[test]
fn a_missing_chromium_is_named_when_it_cannot_be_installed() {
    // No apt-get on this PATH: the script cannot install it, so it names it and where it looked.
    let dir = tempfile::tempdir().unwrap();
    let path = path_with(
        dir.path(),
        &[
            ("cargo", "cargo 1.95.0"),
            ("rustc", "rustc 1.95.0 (59807616e 2026-04-14)"),
            ("python3", "Python 3.11.7"),
            ("node", "v20.20.2"),
            ("npm", "11.19.1"),
        ],
    );
    let (code, stderr) = run_with(&path, &[("CHROMIUM", "/nonexistent/chromium")]);
    assert_eq!(code, Some(1));
    assert_eq!(
        stderr,
        "scripts/test: missing prerequisites: Chromium at /nonexistent/chromium (Debian: apt-get install chromium; or set CHROMIUM)\n"
    );
}
