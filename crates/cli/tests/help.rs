//! The binary starts and names its commands. (The end-to-end tests of
//! `decode` and `encode` are in `tests/tests/cli.rs`; having an integration
//! test here also makes `cargo test --workspace` build `target/<profile>/ainsim`
//! for them.)

use std::process::Command;

#[test]
fn help_names_decode_and_encode() {
    let out = Command::new(env!("CARGO_BIN_EXE_ainsim")).arg("--help").output().expect("run ainsim");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for cmd in ["decode", "encode"] {
        assert!(text.lines().any(|l| l.trim_start().starts_with(cmd)), "--help should list {cmd}:\n{text}");
    }
}

#[test]
fn version_is_the_package_version() {
    let out = Command::new(env!("CARGO_BIN_EXE_ainsim")).arg("--version").output().expect("run ainsim");
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), format!("ainsim {}", env!("CARGO_PKG_VERSION")));
}
