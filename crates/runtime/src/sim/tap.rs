//! The pcap tap: every frame an SS7 link carries, as an MTP2 MSU with the
//! link type 139 pseudo-header, into one pcap.

use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;

use ainsim_wire::mtp2::SignalUnit;
use ainsim_wire::{LinkType, Mtp2PseudoHeader, Mtp2Repr, PcapWriter};

/// A `Write` into a buffer the tap and the simulator share.
#[derive(Debug, Clone, Default)]
pub(super) struct SharedBuf(pub(super) Rc<RefCell<Vec<u8>>>);

impl Write for SharedBuf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

pub(super) struct PcapTap {
    writer: PcapWriter<Box<dyn Write>>,
    /// Set for an in-memory pcap.
    pub(super) memory: Option<SharedBuf>,
    unit: Vec<u8>,
    /// The first write error; the tap stops writing after it.
    pub(super) error: Option<String>,
    /// Frames that could not be framed as an MTP2 MSU (shorter than 3 octets).
    pub(super) skipped: u64,
}

impl std::fmt::Debug for PcapTap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PcapTap").field("error", &self.error).field("skipped", &self.skipped).finish()
    }
}

impl PcapTap {
    /// A tap writing the global header to `out` first.
    pub(super) fn new(out: Box<dyn Write>, memory: Option<SharedBuf>) -> Result<Self, ainsim_wire::Error> {
        let writer = PcapWriter::new(out, LinkType::Mtp2WithPhdr)?;
        Ok(PcapTap { writer, memory, unit: Vec::new(), error: None, skipped: 0 })
    }

    /// Writes one MSU as an MTP2 signal unit (FIB/BIB 1, no FCS).
    pub(super) fn write(&mut self, ts: u64, sent: bool, link: u16, bsn: u8, fsn: u8, msu: &[u8]) {
        if self.error.is_some() {
            return;
        }
        let repr = Mtp2Repr {
            extended: false,
            bsn: bsn.into(),
            bib: true,
            fsn: fsn.into(),
            fib: true,
            spare: 0,
            reserved: 0,
            unit: SignalUnit::Msu { payload: msu.to_vec() },
        };
        self.unit.clear();
        if repr.emit_without_fcs(&mut self.unit).is_err() {
            self.skipped += 1;
            return;
        }
        let phdr = Mtp2PseudoHeader { sent: u8::from(sent), annex_a_used: 0, link_number: link };
        if let Err(e) = self.writer.write_mtp2_phdr(ts, phdr, &self.unit) {
            self.error = Some(e.to_string());
        }
    }

    /// Ends the tap, flushing the underlying writer.
    pub(super) fn finish(self) -> Result<(), String> {
        if let Some(e) = self.error {
            return Err(e);
        }
        self.writer.into_inner().flush().map_err(|e| format!("pcap: flush failed: {e}"))
    }
}
