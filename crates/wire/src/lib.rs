//! SS7 on the wire: bytes in, typed messages out, and back.
//!
//! One module a protocol family, each with a borrowing view over a buffer
//! (`Packet<T: AsRef<[u8]>>`, accessors that cannot panic once
//! `new_checked` has passed) and an owned `Repr` with `parse`,
//! `buffer_len` and `emit`. ITU and ANSI variants sit side by side where they
//! differ ([`Variant`]).
//!
//! Contract, for every codec here:
//! - `parse` never panics, never loops without consuming input, and never
//!   allocates more than a small multiple of its input;
//! - `parse(emit(r)) == r` for every repr `r` that `emit` accepts;
//! - `emit(parse(b)) == b` byte for byte for every buffer `parse` accepts,
//!   unknown parameters and their order included.
//!
//! No I/O, no clock, no threads: this crate is used by the simulator and the
//! real-time runtime alike.
#![forbid(unsafe_code)]

pub mod ain;
pub mod ber;
pub mod digits;
mod error;
pub mod hexser;
pub mod inap;
mod inline;
pub mod isup;
pub mod m3ua;
pub mod mtp2;
pub mod mtp3;
pub mod names;
mod opcodes;
pub mod pcap;
mod reader;
pub mod sccp;
pub mod stack;
pub mod tcap;
mod variant;

pub use ain::{AinOpcode, AinOperation, AinParameter, AinParameterSet, Packet as AinPacket};
pub use error::{Error, ErrorInner, Layer, Reason, Result};
pub use inap::{InapArgument, InapElement, InapOpcode, InapOperation, Packet as InapPacket};
pub use inline::{Aligned, AlignedBytes, InlineBytes, Storage};
pub use isup::{
    Body as IsupBody, Digits, MessageType as IsupMessageType, Packet as IsupPacket,
    Parameter as IsupParameter, Repr as IsupRepr,
};
pub use m3ua::{
    M3uaFramer, M3uaMessageType, M3uaPacket, M3uaParameter, M3uaRepr, ProtocolData as M3uaProtocolData,
};
pub use mtp2::{Mtp2Packet, Mtp2Repr};
pub use mtp3::{Mtp3Packet, Mtp3Repr, Slt, Snm, SnmRepr};
pub use pcap::{Frame as PcapFrame, LinkType, Mtp2PseudoHeader, PcapReader, PcapRecord, PcapWriter};
pub use reader::Reader;
pub use sccp::{Packet as SccpPacket, Repr as SccpRepr};
pub use tcap::TcapRepr;
pub use variant::{PointCode, Variant};
