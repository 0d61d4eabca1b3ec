//! Helpers for the end-to-end tests under `tests/tests/`: the Wireshark
//! corpus (every example of every codec, through the real stack, as pcaps),
//! tshark runners, and the real `ainsim` binary.
#![forbid(unsafe_code)]

pub mod bin;
pub mod corpus;
pub mod tshark;

pub use bin::{ainsim_bin, run_ainsim};
pub use tshark::{have_tshark, tshark_complaints, tshark_fields, FrameFields};

/// Lower-case hex of `b`, no separators.
pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A file in a fresh temporary directory, removed (with the directory) on
/// drop, also when an assert fails; kept when `AINSIM_KEEP_PCAP` is set.
pub struct TempFile {
    dir: Option<tempfile::TempDir>,
    path: std::path::PathBuf,
}

impl TempFile {
    /// Writes `data` to `<tmp>/<name>`.
    ///
    /// # Panics
    /// If the file cannot be written.
    pub fn new(name: &str, data: &[u8]) -> Self {
        let dir = tempfile::Builder::new().prefix("ainsim-tests-").tempdir().expect("temp dir");
        let path = dir.path().join(name);
        std::fs::write(&path, data).expect("write temp file");
        if std::env::var_os("AINSIM_KEEP_PCAP").is_some() {
            eprintln!("kept {}", path.display());
            let _ = dir.keep();
            return TempFile { dir: None, path };
        }
        TempFile { dir: Some(dir), path }
    }

    /// Where the file is.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        drop(self.dir.take());
    }
}

/// What a finished process printed on stdout, as text.
pub fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// What a finished process printed on stderr, as text.
pub fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
