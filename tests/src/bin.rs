//! The real `ainsim` binary, built with the profile the tests run under.
//!
//! Cargo sets `CARGO_BIN_EXE_<name>` only for the tests of the package that
//! owns the binary, and a dependency on a binary-only package builds
//! nothing; so the first test that needs the binary runs
//! `cargo build -p ainsim --bin ainsim --profile <ours>` into our own target
//! directory and then runs `target/<profile>/ainsim`. Under
//! `cargo test --workspace` that build is a no-op: `crates/cli` has an
//! integration test, so the binary is already built, and the workspace's
//! `serde` features are spelled out so `-p ainsim` resolves the same
//! dependency builds. `AINSIM_BIN=/path/to/ainsim` skips the build.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

/// The path of the `ainsim` binary, built on first use.
///
/// # Panics
/// If it cannot be built.
pub fn ainsim_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Some(p) = std::env::var_os("AINSIM_BIN") {
            return PathBuf::from(p);
        }
        // We run as target/<profile dir>/deps/<test>-<hash>.
        let exe = std::env::current_exe().expect("test executable path");
        let profile_dir = exe.parent().and_then(Path::parent).expect("target/<profile>/deps");
        let target_dir = profile_dir.parent().expect("target dir");
        let profile = match profile_dir.file_name().and_then(|n| n.to_str()) {
            Some("debug") | None => "dev".to_owned(),
            Some(p) => p.to_owned(),
        };
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.toml");
        let out = Command::new(cargo)
            .args(["build", "--quiet", "-p", "ainsim", "--bin", "ainsim", "--profile", &profile])
            .arg("--manifest-path")
            .arg(&manifest)
            .arg("--target-dir")
            .arg(target_dir)
            .stdin(Stdio::null())
            .output()
            .expect("run cargo build -p ainsim");
        assert!(
            out.status.success(),
            "cargo build -p ainsim failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let bin = profile_dir.join(format!("ainsim{}", std::env::consts::EXE_SUFFIX));
        assert!(bin.is_file(), "{} was not built", bin.display());
        bin
    })
}

/// Runs `ainsim args...` with `stdin` as standard input.
///
/// # Panics
/// If the binary cannot be started.
pub fn run_ainsim<S: AsRef<std::ffi::OsStr>>(args: &[S], stdin: Option<&[u8]>) -> Output {
    use std::io::Write;
    let mut c = Command::new(ainsim_bin());
    c.args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
    c.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
    let mut child = c.spawn().expect("start ainsim");
    if let Some(input) = stdin {
        // Written from a thread so a child that does not read cannot block us.
        let mut pipe = child.stdin.take().expect("stdin pipe");
        let input = input.to_vec();
        std::thread::spawn(move || {
            let _ = pipe.write_all(&input);
        });
    }
    child.wait_with_output().expect("wait for ainsim")
}
