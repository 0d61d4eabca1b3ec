//! Classic pcap files (the libpcap format), written and read in memory.
//!
//! What it is: a [`PcapWriter`] that appends the global header and records
//! to any `std::io::Write` the caller gives it (a `Vec<u8>`, a file the CLI
//! opened), for MTP2 (link type 140), MTP2 with the 4-octet pseudo-header
//! (139), MTP3 (141), and M3UA wrapped in SCTP/IPv4 with correct IPv4 and
//! CRC32c checksums, as Ethernet (1), raw IP (101) or IPv4 (228) frames.
//! And a [`PcapReader`] over a byte slice that yields the records and, for
//! IP link types (also Linux cooked SLL/SLL2), pulls the SCTP DATA chunks
//! out so the M3UA (PPID 3) payloads of a real capture can be decoded.
//!
//! What it is not: pcapng, IPv6, IP reassembly, SCTP reassembly of
//! fragmented user messages (fragments are reported with their B/E flags),
//! or a clock: timestamps are passed in as microseconds.
//!
//! Contract: the reader never panics on any input and allocates only for
//! the list of DATA chunks of one packet; every error is in layer `pcap`
//! with the absolute offset in the buffer (bad magic, truncated header,
//! truncated record, absurd record length).

use std::collections::BTreeMap;
use std::io::Write;
use std::net::{Ipv4Addr, SocketAddrV4};

use crate::error::{Error, Layer, Reason, Result};
use crate::m3ua;

/// Largest record this crate writes or reads (Wireshark's usual maximum).
pub const MAX_SNAPLEN: u32 = 262_144;
/// Length of the global header.
pub const GLOBAL_HEADER_LEN: usize = 24;
/// Length of a record header.
pub const RECORD_HEADER_LEN: usize = 16;

const MAGIC_USEC: u32 = 0xa1b2_c3d4;
const MAGIC_NSEC: u32 = 0xa1b2_3c4d;
const MAGIC_PCAPNG: u32 = 0x0a0d_0d0a;

/// A pcap link type (LINKTYPE_* values of tcpdump.org).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkType {
    /// 1: Ethernet II.
    Ethernet,
    /// 101: raw IP, version from the first nibble.
    Raw,
    /// 113: Linux cooked capture v1.
    LinuxSll,
    /// 139: MTP2 with a 4-octet pseudo-header.
    Mtp2WithPhdr,
    /// 140: MTP2 (no FCS).
    Mtp2,
    /// 141: MTP3 (SIO first).
    Mtp3,
    /// 228: IPv4.
    Ipv4,
    /// 276: Linux cooked capture v2.
    LinuxSll2,
    /// Anything else, records passed through raw.
    Other(u32),
}

impl LinkType {
    /// The LINKTYPE_ value.
    pub fn value(self) -> u32 {
        match self {
            LinkType::Ethernet => 1,
            LinkType::Raw => 101,
            LinkType::LinuxSll => 113,
            LinkType::Mtp2WithPhdr => 139,
            LinkType::Mtp2 => 140,
            LinkType::Mtp3 => 141,
            LinkType::Ipv4 => 228,
            LinkType::LinuxSll2 => 276,
            LinkType::Other(v) => v,
        }
    }

    /// The link type for a LINKTYPE_ value (upper FCS bits ignored).
    pub fn from_value(v: u32) -> Self {
        match v & 0x03ff_ffff {
            1 => LinkType::Ethernet,
            101 => LinkType::Raw,
            113 => LinkType::LinuxSll,
            139 => LinkType::Mtp2WithPhdr,
            140 => LinkType::Mtp2,
            141 => LinkType::Mtp3,
            228 => LinkType::Ipv4,
            276 => LinkType::LinuxSll2,
            v => LinkType::Other(v),
        }
    }

    /// Whether M3UA over SCTP/IPv4 can be written with this link type.
    pub fn carries_ip(self) -> bool {
        matches!(self, LinkType::Ethernet | LinkType::Raw | LinkType::Ipv4)
    }
}

/// The pseudo-header of LINKTYPE_MTP2_WITH_PHDR (139), as libpcap/Wireshark define it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
pub struct Mtp2PseudoHeader {
    /// 0: received, 1: sent.
    pub sent: u8,
    /// 0: Annex A (extended sequence numbers) not used, 1: used, 2: unknown.
    pub annex_a_used: u8,
    /// Signalling link number (big-endian on the wire).
    pub link_number: u16,
}

impl Mtp2PseudoHeader {
    /// The 4 octets.
    pub fn to_bytes(self) -> [u8; 4] {
        let l = self.link_number.to_be_bytes();
        [self.sent, self.annex_a_used, l[0], l[1]]
    }
}

// ---------------------------------------------------------------------------
// CRC32c (Castagnoli), as SCTP uses it (RFC 4960 §6.8 and Appendix B).

const fn crc32c_table() -> [u32; 256] {
    let mut t = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 { (c >> 1) ^ 0x82f6_3b78 } else { c >> 1 };
            k += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
}

static CRC32C: [u32; 256] = crc32c_table();

/// CRC-32C of `data` (reflected, init and final XOR all ones; check value of
/// `"123456789"` is 0xe3069283).
pub fn crc32c(data: &[u8]) -> u32 {
    !crc32c_update(!0, data)
}

/// Feed `data` into a running (un-inverted) CRC-32C state.
fn crc32c_update(state: u32, data: &[u8]) -> u32 {
    data.iter().fold(state, |c, &b| CRC32C[((c ^ u32::from(b)) & 0xff) as usize] ^ (c >> 8))
}

/// The SCTP checksum of a packet whose checksum field is zero, in wire byte
/// order (RFC 4960 Appendix B: the CRC's least significant byte goes first).
fn sctp_checksum_bytes(packet: &[u8]) -> [u8; 4] {
    crc32c(packet).to_le_bytes()
}

/// The IPv4 header checksum (RFC 791) of `header` with its checksum field zeroed.
fn ipv4_checksum(header: &[u8]) -> u16 {
    let mut sum: u32 =
        header.chunks(2).map(|c| u32::from(c[0]) << 8 | u32::from(*c.get(1).unwrap_or(&0))).sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// One SCTP DATA chunk to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SctpDataSpec<'a> {
    pub vtag: u32,
    pub tsn: u32,
    pub stream: u16,
    pub ssn: u16,
    pub ppid: u32,
    pub payload: &'a [u8],
}

/// Build an IPv4 packet carrying one SCTP DATA chunk (flags B|E, ordered).
///
/// # Errors
/// The packet would exceed the 65535-octet IPv4 total length.
pub fn sctp_ipv4_packet(
    src: SocketAddrV4,
    dst: SocketAddrV4,
    ip_id: u16,
    d: &SctpDataSpec<'_>,
) -> Result<Vec<u8>> {
    let chunk_len = 16usize.saturating_add(d.payload.len());
    let padded = chunk_len.saturating_add(3) & !3;
    let total = 20 + 12 + padded;
    if total > usize::from(u16::MAX) {
        return Err(Error::new(Layer::Pcap, 0, Reason::TooLong { len: total, max: usize::from(u16::MAX) })
            .parameter("IPv4 total length"));
    }
    let mut p = Vec::with_capacity(total);
    // IPv4 header (RFC 791): no options, DF set, TTL 64, protocol 132 (SCTP).
    p.extend_from_slice(&[0x45, 0x00]);
    p.extend_from_slice(&(total as u16).to_be_bytes());
    p.extend_from_slice(&ip_id.to_be_bytes());
    p.extend_from_slice(&[0x40, 0x00, 64, 132, 0, 0]);
    p.extend_from_slice(&src.ip().octets());
    p.extend_from_slice(&dst.ip().octets());
    let sum = ipv4_checksum(&p[..20]);
    p[10..12].copy_from_slice(&sum.to_be_bytes());
    // SCTP common header (RFC 4960 §3.1), checksum filled in below.
    p.extend_from_slice(&src.port().to_be_bytes());
    p.extend_from_slice(&dst.port().to_be_bytes());
    p.extend_from_slice(&d.vtag.to_be_bytes());
    p.extend_from_slice(&[0; 4]);
    // DATA chunk (RFC 4960 §3.3.1): type 0, flags U=0 B=1 E=1.
    p.extend_from_slice(&[0, 0x03]);
    p.extend_from_slice(&(chunk_len as u16).to_be_bytes());
    p.extend_from_slice(&d.tsn.to_be_bytes());
    p.extend_from_slice(&d.stream.to_be_bytes());
    p.extend_from_slice(&d.ssn.to_be_bytes());
    p.extend_from_slice(&d.ppid.to_be_bytes());
    p.extend_from_slice(d.payload);
    p.resize(total, 0);
    let crc = sctp_checksum_bytes(&p[20..]);
    p[28..32].copy_from_slice(&crc);
    Ok(p)
}

// ---------------------------------------------------------------------------
// Writer

#[derive(Debug, Clone, Default)]
struct Direction {
    next_tsn: u32,
    ssn: BTreeMap<u16, u16>,
}

/// Writes a classic pcap (microsecond, little-endian, version 2.4) to `W`.
///
/// M3UA messages written with [`PcapWriter::write_m3ua`] get one SCTP
/// association per (source, destination) pair: TSNs count up from 1 per
/// direction, stream 1 for TRANSFER messages and 0 for the others (RFC 4666
/// §1.4.7), and stream sequence numbers count per stream.
#[derive(Debug)]
pub struct PcapWriter<W: Write> {
    out: W,
    link: LinkType,
    written: usize,
    ip_id: u16,
    dirs: BTreeMap<(SocketAddrV4, SocketAddrV4), Direction>,
}

impl<W: Write> PcapWriter<W> {
    /// Write the global header for `link` and return the writer.
    ///
    /// # Errors
    /// The underlying writer failed.
    pub fn new(out: W, link: LinkType) -> Result<Self> {
        let mut w = PcapWriter { out, link, written: 0, ip_id: 0, dirs: BTreeMap::new() };
        let mut h = Vec::with_capacity(GLOBAL_HEADER_LEN);
        h.extend_from_slice(&MAGIC_USEC.to_le_bytes());
        h.extend_from_slice(&2u16.to_le_bytes());
        h.extend_from_slice(&4u16.to_le_bytes());
        h.extend_from_slice(&[0; 8]);
        h.extend_from_slice(&MAX_SNAPLEN.to_le_bytes());
        h.extend_from_slice(&link.value().to_le_bytes());
        w.put(&h)?;
        Ok(w)
    }

    /// The link type of this file.
    pub fn link_type(&self) -> LinkType {
        self.link
    }

    /// Octets written so far.
    pub fn bytes_written(&self) -> usize {
        self.written
    }

    /// Give back the underlying writer.
    pub fn into_inner(self) -> W {
        self.out
    }

    fn put(&mut self, b: &[u8]) -> Result<()> {
        self.out
            .write_all(b)
            .map_err(|e| Error::other(Layer::Pcap, self.written, format!("write failed: {e}")))?;
        self.written += b.len();
        Ok(())
    }

    fn need(&self, ok: bool, what: &'static str) -> Result<()> {
        if ok {
            Ok(())
        } else {
            Err(Error::other(
                Layer::Pcap,
                self.written,
                format!("{what} cannot be written to a file of link type {}", self.link.value()),
            ))
        }
    }

    /// Write one record holding `data` as is.
    ///
    /// # Errors
    /// A record over [`MAX_SNAPLEN`], or the writer failed.
    pub fn write_raw(&mut self, ts_micros: u64, data: &[u8]) -> Result<()> {
        self.write_parts(ts_micros, &[data])
    }

    fn write_parts(&mut self, ts_micros: u64, parts: &[&[u8]]) -> Result<()> {
        let len: usize = parts.iter().map(|p| p.len()).sum();
        if len > MAX_SNAPLEN as usize {
            return Err(Error::new(
                Layer::Pcap,
                self.written,
                Reason::TooLong { len, max: MAX_SNAPLEN as usize },
            ));
        }
        let secs = u32::try_from(ts_micros / 1_000_000).map_err(|_| {
            Error::other(Layer::Pcap, self.written, "timestamp past 2106 does not fit classic pcap")
        })?;
        let mut h = [0u8; RECORD_HEADER_LEN];
        h[0..4].copy_from_slice(&secs.to_le_bytes());
        h[4..8].copy_from_slice(&((ts_micros % 1_000_000) as u32).to_le_bytes());
        h[8..12].copy_from_slice(&(len as u32).to_le_bytes());
        h[12..16].copy_from_slice(&(len as u32).to_le_bytes());
        self.put(&h)?;
        for p in parts {
            self.put(p)?;
        }
        Ok(())
    }

    /// Write an MTP2 frame (without flags or FCS). On a link type 139 file
    /// the pseudo-header says received, Annex A not used, link 0.
    ///
    /// # Errors
    /// The file is not MTP2, or as [`PcapWriter::write_raw`].
    pub fn write_mtp2(&mut self, ts_micros: u64, frame: &[u8]) -> Result<()> {
        match self.link {
            LinkType::Mtp2 => self.write_raw(ts_micros, frame),
            _ => self.write_mtp2_phdr(ts_micros, Mtp2PseudoHeader::default(), frame),
        }
    }

    /// Write an MTP2 frame with its pseudo-header (link type 139 only).
    ///
    /// # Errors
    /// The file is not link type 139, or as [`PcapWriter::write_raw`].
    pub fn write_mtp2_phdr(&mut self, ts_micros: u64, phdr: Mtp2PseudoHeader, frame: &[u8]) -> Result<()> {
        self.need(self.link == LinkType::Mtp2WithPhdr, "an MTP2 frame")?;
        self.write_parts(ts_micros, &[&phdr.to_bytes(), frame])
    }

    /// Write an MTP3 MSU (SIO, routing label, user part).
    ///
    /// # Errors
    /// The file is not link type 141, or as [`PcapWriter::write_raw`].
    pub fn write_mtp3(&mut self, ts_micros: u64, msu: &[u8]) -> Result<()> {
        self.need(self.link == LinkType::Mtp3, "an MTP3 MSU")?;
        self.write_raw(ts_micros, msu)
    }

    /// Write one M3UA message from `src` to `dst` as an SCTP DATA chunk
    /// (PPID 3) in an IPv4 packet, framed for this file's link type: stream 1
    /// for Transfer messages, 0 for the others.
    ///
    /// # Errors
    /// The file does not carry IP, the packet is too big for IPv4, or the
    /// writer failed.
    pub fn write_m3ua(
        &mut self,
        ts_micros: u64,
        src: SocketAddrV4,
        dst: SocketAddrV4,
        msg: &[u8],
    ) -> Result<()> {
        let stream = if msg.get(2) == Some(&m3ua::class::TRANSFER) { 1 } else { 0 };
        self.write_sctp_data(ts_micros, src, dst, stream, m3ua::SCTP_PPID, msg)
    }

    /// Write `payload` from `src` to `dst` as one SCTP DATA chunk on `stream`
    /// with `ppid`, in an IPv4 packet framed for this file's link type. TSN
    /// and stream sequence number follow on from earlier writes in the same
    /// direction.
    ///
    /// # Errors
    /// The file does not carry IP, the packet is too big for IPv4, or the
    /// writer failed.
    pub fn write_sctp_data(
        &mut self,
        ts_micros: u64,
        src: SocketAddrV4,
        dst: SocketAddrV4,
        stream: u16,
        ppid: u32,
        payload: &[u8],
    ) -> Result<()> {
        self.need(self.link.carries_ip(), "an SCTP/IPv4 packet")?;
        let dir =
            self.dirs.entry((src, dst)).or_insert_with(|| Direction { next_tsn: 1, ssn: BTreeMap::new() });
        let tsn = dir.next_tsn;
        let ssn_slot = dir.ssn.entry(stream).or_insert(0);
        let ssn = *ssn_slot;
        let spec = SctpDataSpec { vtag: verification_tag(dst), tsn, stream, ssn, ppid, payload };
        let ip = sctp_ipv4_packet(src, dst, self.ip_id, &spec).map_err(|e| e.at_base(self.written))?;
        *ssn_slot = ssn.wrapping_add(1);
        dir.next_tsn = tsn.wrapping_add(1);
        self.ip_id = self.ip_id.wrapping_add(1);
        match self.link {
            LinkType::Ethernet => {
                let mut eth = [0u8; 14];
                eth[0..6].copy_from_slice(&mac_for(*dst.ip()));
                eth[6..12].copy_from_slice(&mac_for(*src.ip()));
                eth[12..14].copy_from_slice(&0x0800u16.to_be_bytes());
                self.write_parts(ts_micros, &[&eth, &ip])
            }
            _ => self.write_raw(ts_micros, &ip),
        }
    }
}

/// A locally administered MAC address that embeds the IPv4 address.
fn mac_for(ip: Ipv4Addr) -> [u8; 6] {
    let o = ip.octets();
    [0x02, 0x00, o[0], o[1], o[2], o[3]]
}

/// The verification tag the receiver `dst` chose, made up deterministically.
fn verification_tag(dst: SocketAddrV4) -> u32 {
    (u32::from(*dst.ip()).rotate_left(16) ^ u32::from(dst.port())) | 1
}

// ---------------------------------------------------------------------------
// Reader

/// One record of a capture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PcapRecord<'a> {
    /// 0-based record number.
    pub index: usize,
    /// Absolute offset of the record header.
    pub offset: usize,
    /// Timestamp in microseconds since the epoch.
    pub ts_micros: u64,
    /// Length on the wire (may exceed `data.len()` if the capture was cut).
    pub orig_len: u32,
    /// The captured bytes.
    pub data: &'a [u8],
    /// The file's link type.
    pub link: LinkType,
}

impl<'a> PcapRecord<'a> {
    /// Absolute offset of `data`.
    pub fn data_offset(&self) -> usize {
        self.offset + RECORD_HEADER_LEN
    }

    /// Interpret the record for its link type.
    ///
    /// # Errors
    /// A header of the link layer, IPv4 or SCTP that is cut short or has a
    /// bad length; offsets are absolute in the file.
    pub fn decode(&self) -> Result<Frame<'a>> {
        let base = self.data_offset();
        let d = self.data;
        match self.link {
            LinkType::Mtp2 => Ok(Frame::Mtp2 { phdr: None, frame: d }),
            LinkType::Mtp2WithPhdr => {
                let h = d.get(..4).ok_or_else(|| {
                    Error::truncated(Layer::Pcap, base, 4, d.len()).parameter("MTP2 pseudo-header")
                })?;
                Ok(Frame::Mtp2 {
                    phdr: Some(Mtp2PseudoHeader {
                        sent: h[0],
                        annex_a_used: h[1],
                        link_number: u16::from_be_bytes([h[2], h[3]]),
                    }),
                    frame: &d[4..],
                })
            }
            LinkType::Mtp3 => Ok(Frame::Mtp3(d)),
            LinkType::Ethernet => {
                let mut at = 12;
                loop {
                    let et = d.get(at..at + 2).ok_or_else(|| {
                        Error::truncated(Layer::Pcap, base + at.min(d.len()), 2, d.len().saturating_sub(at))
                            .parameter("Ethernet header")
                    })?;
                    match u16::from_be_bytes([et[0], et[1]]) {
                        // 802.1Q / 802.1ad tags: skip the tag control information.
                        0x8100 | 0x88a8 if at < 20 => at += 4,
                        0x0800 => return decode_ipv4(&d[at + 2..], base + at + 2),
                        _ => return Ok(Frame::Other(d)),
                    }
                }
            }
            LinkType::Raw | LinkType::Ipv4 => match d.first() {
                Some(b) if b >> 4 == 4 => decode_ipv4(d, base),
                _ => Ok(Frame::Other(d)),
            },
            LinkType::LinuxSll => match d.get(14..16) {
                Some([0x08, 0x00]) => decode_ipv4(&d[16..], base + 16),
                Some(_) => Ok(Frame::Other(d)),
                None => {
                    Err(Error::truncated(Layer::Pcap, base, 16, d.len()).parameter("Linux cooked header"))
                }
            },
            LinkType::LinuxSll2 => match (d.get(0..2), d.len() >= 20) {
                (Some([0x08, 0x00]), true) => decode_ipv4(&d[20..], base + 20),
                (_, true) => Ok(Frame::Other(d)),
                _ => {
                    Err(Error::truncated(Layer::Pcap, base, 20, d.len()).parameter("Linux cooked v2 header"))
                }
            },
            LinkType::Other(_) => Ok(Frame::Other(d)),
        }
    }
}

/// What a record holds, as far as this crate looks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame<'a> {
    /// An MTP2 frame, with the link type 139 pseudo-header if present.
    Mtp2 { phdr: Option<Mtp2PseudoHeader>, frame: &'a [u8] },
    /// An MTP3 MSU.
    Mtp3(&'a [u8]),
    /// An SCTP packet over IPv4 (its DATA chunks only).
    Sctp(SctpPacket<'a>),
    /// Anything else (non-IPv4, non-SCTP, IP fragments, other link types).
    Other(&'a [u8]),
}

/// An SCTP packet found in a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SctpPacket<'a> {
    pub src: SocketAddrV4,
    pub dst: SocketAddrV4,
    pub vtag: u32,
    /// Whether the CRC32c checksum is right (captures taken on the sending
    /// host often hold 0 here because of checksum offload).
    pub checksum_ok: bool,
    /// The DATA chunks, in order; other chunk types are skipped.
    pub chunks: Vec<SctpDataChunk<'a>>,
}

impl<'a> SctpPacket<'a> {
    /// The complete (unfragmented) M3UA messages carried (PPID 3), with their absolute offsets.
    pub fn m3ua_messages(&self) -> impl Iterator<Item = (&'a [u8], usize)> + '_ {
        self.chunks
            .iter()
            .filter(|c| c.ppid == m3ua::SCTP_PPID && c.flags & 0x03 == 0x03)
            .map(|c| (c.data, c.data_offset))
    }
}

/// One SCTP DATA chunk (RFC 4960 §3.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SctpDataChunk<'a> {
    /// Chunk flags: U (0x04), B (0x02), E (0x01).
    pub flags: u8,
    pub tsn: u32,
    pub stream: u16,
    pub ssn: u16,
    pub ppid: u32,
    /// User data (chunk padding excluded).
    pub data: &'a [u8],
    /// Absolute offset of `data`.
    pub data_offset: usize,
}

fn decode_ipv4(d: &[u8], base: usize) -> Result<Frame<'_>> {
    let err = |at: usize, reason: Reason| Error::new(Layer::Pcap, base + at, reason).parameter("IPv4 header");
    if d.len() < 20 {
        return Err(err(0, Reason::Truncated { needed: 20, available: d.len() }));
    }
    if d[0] >> 4 != 4 {
        return Ok(Frame::Other(d));
    }
    let ihl = usize::from(d[0] & 0x0f) * 4;
    if ihl < 20 {
        return Err(err(
            0,
            Reason::BadValue { value: ihl as u64, expected: "an IPv4 header of at least 20 octets" },
        ));
    }
    let total = usize::from(u16::from_be_bytes([d[2], d[3]]));
    if total < ihl || total > d.len() {
        return Err(err(2, Reason::BadLength { declared: total, available: d.len() }));
    }
    let frag = u16::from_be_bytes([d[6], d[7]]);
    if d[9] != 132 || frag & 0x3fff != 0 {
        return Ok(Frame::Other(d));
    }
    let src = Ipv4Addr::new(d[12], d[13], d[14], d[15]);
    let dst = Ipv4Addr::new(d[16], d[17], d[18], d[19]);
    decode_sctp(&d[ihl..total], base + ihl, src, dst)
}

fn decode_sctp(s: &[u8], base: usize, src: Ipv4Addr, dst: Ipv4Addr) -> Result<Frame<'_>> {
    if s.len() < 12 {
        return Err(Error::truncated(Layer::Pcap, base, 12, s.len()).parameter("SCTP common header"));
    }
    let sport = u16::from_be_bytes([s[0], s[1]]);
    let dport = u16::from_be_bytes([s[2], s[3]]);
    let vtag = u32::from_be_bytes([s[4], s[5], s[6], s[7]]);
    let crc = !crc32c_update(crc32c_update(crc32c_update(!0, &s[..8]), &[0; 4]), &s[12..]);
    let checksum_ok = crc.to_le_bytes() == [s[8], s[9], s[10], s[11]];
    let mut chunks = Vec::new();
    let mut at = 12;
    while s.len() - at >= 4 {
        let h = &s[at..at + 4];
        let len = usize::from(u16::from_be_bytes([h[2], h[3]]));
        let err = |r: Reason| Error::new(Layer::Pcap, base + at + 2, r).parameter("SCTP chunk length");
        if len < 4 {
            return Err(err(Reason::BadValue {
                value: len as u64,
                expected: "a chunk length of at least 4",
            }));
        }
        if len > s.len() - at {
            return Err(err(Reason::BadLength { declared: len, available: s.len() - at }));
        }
        if h[0] == 0 {
            if len < 16 {
                return Err(err(Reason::BadValue {
                    value: len as u64,
                    expected: "a DATA chunk of at least 16",
                }));
            }
            let c = &s[at..at + len];
            chunks.push(SctpDataChunk {
                flags: c[1],
                tsn: u32::from_be_bytes([c[4], c[5], c[6], c[7]]),
                stream: u16::from_be_bytes([c[8], c[9]]),
                ssn: u16::from_be_bytes([c[10], c[11]]),
                ppid: u32::from_be_bytes([c[12], c[13], c[14], c[15]]),
                data: &c[16..],
                data_offset: base + at + 16,
            });
        }
        // The last chunk's padding may be missing in captures; tolerate it.
        at = ((at + len).saturating_add(3) & !3).min(s.len());
    }
    Ok(Frame::Sctp(SctpPacket {
        src: SocketAddrV4::new(src, sport),
        dst: SocketAddrV4::new(dst, dport),
        vtag,
        checksum_ok,
        chunks,
    }))
}

/// Reads a classic pcap held in memory (either byte order, micro- or
/// nanosecond timestamps). Iterate it for the records; it stops after the
/// first error.
#[derive(Debug, Clone)]
pub struct PcapReader<'a> {
    buf: &'a [u8],
    pos: usize,
    index: usize,
    big_endian: bool,
    nanos: bool,
    snaplen: u32,
    link: LinkType,
    failed: bool,
}

impl<'a> PcapReader<'a> {
    /// Check the global header and start reading after it.
    ///
    /// # Errors
    /// Truncated header, bad magic (pcapng is named as such), version not 2.x.
    pub fn new(buf: &'a [u8]) -> Result<Self> {
        if buf.len() < GLOBAL_HEADER_LEN {
            return Err(
                Error::truncated(Layer::Pcap, 0, GLOBAL_HEADER_LEN, buf.len()).parameter("global header")
            );
        }
        let le = u32::from_le_bytes([buf[0], buf[1], buf[2], buf[3]]);
        let be = u32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]);
        let (big_endian, nanos) = match (le, be) {
            (MAGIC_USEC, _) => (false, false),
            (MAGIC_NSEC, _) => (false, true),
            (_, MAGIC_USEC) => (true, false),
            (_, MAGIC_NSEC) => (true, true),
            (_, MAGIC_PCAPNG) => {
                return Err(Error::other(
                    Layer::Pcap,
                    0,
                    "this is pcapng, not classic pcap (convert it: editcap -F pcap in.pcapng out.pcap)",
                ))
            }
            _ => {
                return Err(Error::new(
                    Layer::Pcap,
                    0,
                    Reason::BadValue { value: u64::from(be), expected: "pcap magic a1b2c3d4 or a1b23c4d" },
                )
                .parameter("magic"))
            }
        };
        let mut r = PcapReader {
            buf,
            pos: GLOBAL_HEADER_LEN,
            index: 0,
            big_endian,
            nanos,
            snaplen: 0,
            link: LinkType::Other(0),
            failed: false,
        };
        let major = r.u16_at(4);
        if major != 2 {
            return Err(Error::new(
                Layer::Pcap,
                4,
                Reason::BadValue { value: u64::from(major), expected: "pcap version 2.x" },
            )
            .parameter("version"));
        }
        r.snaplen = r.u32_at(16);
        r.link = LinkType::from_value(r.u32_at(20));
        Ok(r)
    }

    fn u16_at(&self, i: usize) -> u16 {
        let b = [self.buf[i], self.buf[i + 1]];
        if self.big_endian {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        }
    }

    fn u32_at(&self, i: usize) -> u32 {
        let b = [self.buf[i], self.buf[i + 1], self.buf[i + 2], self.buf[i + 3]];
        if self.big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        }
    }

    /// The file's link type.
    pub fn link_type(&self) -> LinkType {
        self.link
    }

    /// The snapshot length the file declares (not enforced: Wireshark does not either).
    pub fn snaplen(&self) -> u32 {
        self.snaplen
    }

    /// Whether timestamps are in nanoseconds in the file (they are returned in micros).
    pub fn is_nanosecond(&self) -> bool {
        self.nanos
    }

    fn read_record(&mut self) -> Result<PcapRecord<'a>> {
        let at = self.pos;
        let left = self.buf.len() - at;
        if left < RECORD_HEADER_LEN {
            return Err(Error::truncated(Layer::Pcap, at, RECORD_HEADER_LEN, left).parameter("record header"));
        }
        let secs = u64::from(self.u32_at(at));
        let frac = u64::from(self.u32_at(at + 4));
        let incl = self.u32_at(at + 8) as usize;
        let orig_len = self.u32_at(at + 12);
        if incl > MAX_SNAPLEN as usize {
            return Err(Error::new(
                Layer::Pcap,
                at + 8,
                Reason::BadValue {
                    value: incl as u64,
                    expected: "a record length of at most 262144 (absurd length: corrupt file?)",
                },
            )
            .parameter("record length"));
        }
        let data = self.buf.get(at + RECORD_HEADER_LEN..at + RECORD_HEADER_LEN + incl).ok_or_else(|| {
            Error::new(
                Layer::Pcap,
                at + 8,
                Reason::BadLength { declared: incl, available: left - RECORD_HEADER_LEN },
            )
            .parameter("truncated record")
        })?;
        let sub = if self.nanos { frac / 1000 } else { frac };
        let rec = PcapRecord {
            index: self.index,
            offset: at,
            ts_micros: secs.saturating_mul(1_000_000).saturating_add(sub),
            orig_len,
            data,
            link: self.link,
        };
        self.pos = at + RECORD_HEADER_LEN + incl;
        self.index += 1;
        Ok(rec)
    }
}

impl<'a> Iterator for PcapReader<'a> {
    type Item = Result<PcapRecord<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.pos >= self.buf.len() {
            return None;
        }
        let r = self.read_record();
        self.failed = r.is_err();
        Some(r)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn crc32c_check_values() {
        assert_eq!(crc32c(b"123456789"), 0xe306_9283);
        assert_eq!(crc32c(&[0u8; 32]), 0x8a91_36aa); // RFC 3720 B.4
        assert_eq!(crc32c(&[0xffu8; 32]), 0x62a8_ab43);
    }

    #[test]
    fn ipv4_checksum_known_header() {
        // The classic example header from RFC 1071 discussions.
        let h = [
            0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01,
            0xc0, 0xa8, 0x00, 0xc7,
        ];
        assert_eq!(ipv4_checksum(&h), 0xb861);
    }

    fn addrs() -> (SocketAddrV4, SocketAddrV4) {
        (
            SocketAddrV4::new(Ipv4Addr::new(10, 0, 0, 1), m3ua::SCTP_PORT),
            SocketAddrV4::new(Ipv4Addr::new(10, 0, 0, 2), m3ua::SCTP_PORT),
        )
    }

    #[test]
    fn write_then_read_m3ua_every_ip_link_type() {
        let (a, b) = addrs();
        let msgs: Vec<Vec<u8>> = m3ua::examples().iter().map(|(_, r)| r.to_bytes().unwrap()).collect();
        for link in [LinkType::Ethernet, LinkType::Raw, LinkType::Ipv4] {
            let mut w = PcapWriter::new(Vec::new(), link).unwrap();
            for (i, m) in msgs.iter().enumerate() {
                let (s, d) = if i % 2 == 0 { (a, b) } else { (b, a) };
                w.write_m3ua(1_700_000_000_000_000 + i as u64 * 1000, s, d, m).unwrap();
            }
            let file = w.into_inner();
            let r = PcapReader::new(&file).unwrap();
            assert_eq!(r.link_type(), link);
            let mut got = Vec::new();
            let mut tsns = Vec::new();
            for rec in r {
                let rec = rec.unwrap();
                let Frame::Sctp(p) = rec.decode().unwrap() else { panic!("not SCTP") };
                assert!(p.checksum_ok);
                tsns.push(p.chunks[0].tsn);
                for (m, off) in p.m3ua_messages() {
                    assert_eq!(&file[off..off + m.len()], m);
                    got.push(m.to_vec());
                }
            }
            assert_eq!(got, msgs);
            assert_eq!(&tsns[..4], &[1, 1, 2, 2]);
        }
    }

    #[test]
    fn mtp_link_types() {
        let mut w = PcapWriter::new(Vec::new(), LinkType::Mtp2WithPhdr).unwrap();
        let phdr = Mtp2PseudoHeader { sent: 1, annex_a_used: 0, link_number: 0x0102 };
        w.write_mtp2_phdr(5, phdr, &[0x80, 0x80, 0x00]).unwrap();
        assert!(w.write_mtp3(5, &[0x85]).is_err());
        let f = w.into_inner();
        assert_eq!(&f[20..24], &[139, 0, 0, 0]);
        assert_eq!(&f[40..44], &[1, 0, 1, 2]);
        let rec = PcapReader::new(&f).unwrap().next().unwrap().unwrap();
        assert_eq!(rec.decode().unwrap(), Frame::Mtp2 { phdr: Some(phdr), frame: &[0x80, 0x80, 0x00] });
        assert_eq!(rec.ts_micros, 5);

        let mut w = PcapWriter::new(Vec::new(), LinkType::Mtp3).unwrap();
        w.write_mtp3(1_000_001, &[0x85, 1, 2, 3, 4, 5]).unwrap();
        let f = w.into_inner();
        // The header the brief gives for link type 141.
        assert_eq!(
            &f[..24],
            &[0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0x8d, 0, 0, 0]
        );
        assert_eq!(&f[24..32], &[1, 0, 0, 0, 1, 0, 0, 0]);
        let rec = PcapReader::new(&f).unwrap().next().unwrap().unwrap();
        assert_eq!(rec.decode().unwrap(), Frame::Mtp3(&[0x85, 1, 2, 3, 4, 5]));
    }

    #[test]
    fn reader_errors_have_offsets() {
        let e = PcapReader::new(&[0xd4, 0xc3]).unwrap_err();
        assert_eq!((e.layer, e.offset), (Layer::Pcap, 0));
        let mut bad = vec![0u8; 24];
        bad[..4].copy_from_slice(&[1, 2, 3, 4]);
        assert!(PcapReader::new(&bad).unwrap_err().to_string().contains("magic"));
        bad[..4].copy_from_slice(&[0x0a, 0x0d, 0x0d, 0x0a]);
        assert!(PcapReader::new(&bad).unwrap_err().to_string().contains("pcapng"));

        let mut w = PcapWriter::new(Vec::new(), LinkType::Mtp3).unwrap();
        w.write_mtp3(0, &[0x85; 10]).unwrap();
        w.write_mtp3(0, &[0x85; 10]).unwrap();
        let f = w.into_inner();
        // Second record cut short.
        let cut = &f[..f.len() - 3];
        let recs: Vec<_> = PcapReader::new(cut).unwrap().collect();
        assert_eq!(recs.len(), 2);
        let e = recs[1].clone().unwrap_err();
        assert_eq!(e.offset, 24 + 26 + 8);
        // Absurd record length.
        let mut g = f.clone();
        g[32..36].copy_from_slice(&0x1000_0000u32.to_le_bytes());
        let e = PcapReader::new(&g).unwrap().next().unwrap().unwrap_err();
        assert_eq!(e.offset, 32);
        assert!(e.to_string().contains("absurd"), "{e}");
    }

    /// An SCTP packet as a peer would bundle it: SACK, then two DATA chunks
    /// (the first with a 3-octet payload, so padded), CRC32c filled in.
    fn bundled_sctp(src: SocketAddrV4, dst: SocketAddrV4) -> Vec<u8> {
        let mut s = Vec::new();
        s.extend_from_slice(&src.port().to_be_bytes());
        s.extend_from_slice(&dst.port().to_be_bytes());
        s.extend_from_slice(&[0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0]);
        // SACK: cumulative TSN 9, a_rwnd 65535, no gaps.
        s.extend_from_slice(&[3, 0, 0, 16, 0, 0, 0, 9, 0, 0, 0xff, 0xff, 0, 0, 0, 0]);
        // DATA, PPID 3, payload aa bb cc + 1 pad.
        s.extend_from_slice(&[0, 3, 0, 19, 0, 0, 0, 7, 0, 1, 0, 5, 0, 0, 0, 3, 0xaa, 0xbb, 0xcc, 0]);
        // DATA, PPID 46 (Diameter), first fragment only.
        s.extend_from_slice(&[0, 2, 0, 20, 0, 0, 0, 8, 0, 2, 0, 0, 0, 0, 0, 46, 1, 2, 3, 4]);
        let crc = crc32c(&s).to_le_bytes();
        s[8..12].copy_from_slice(&crc);
        let mut ip = vec![0x46, 0, 0, 0, 0, 1, 0, 0, 64, 132, 0, 0];
        ip.extend_from_slice(&src.ip().octets());
        ip.extend_from_slice(&dst.ip().octets());
        ip.extend_from_slice(&[1, 1, 1, 0]); // options: NOP NOP NOP EOL (IHL 6)
        let total = (ip.len() + s.len()) as u16;
        ip[2..4].copy_from_slice(&total.to_be_bytes());
        ip.extend_from_slice(&s);
        ip
    }

    #[test]
    fn linux_cooked_vlan_and_bundled_chunks() {
        let (a, b) = addrs();
        let ip = bundled_sctp(a, b);
        let mut sll = vec![0, 0, 0, 1, 0, 6, 2, 0, 10, 0, 0, 1, 0, 0, 0x08, 0x00];
        sll.extend_from_slice(&ip);
        let mut eth = vec![2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x81, 0x00, 0x00, 0x05, 0x08, 0x00];
        eth.extend_from_slice(&ip);
        eth.extend_from_slice(&[0; 6]); // Ethernet trailer padding past the IPv4 total length
        for (link, frame, ip_at) in [(LinkType::LinuxSll, sll, 16), (LinkType::Ethernet, eth, 18)] {
            let mut w = PcapWriter::new(Vec::new(), link).unwrap();
            w.write_raw(0, &frame).unwrap();
            let f = w.into_inner();
            let rec = PcapReader::new(&f).unwrap().next().unwrap().unwrap();
            let Frame::Sctp(p) = rec.decode().unwrap() else { panic!("not SCTP") };
            assert!(p.checksum_ok);
            assert_eq!((p.src, p.dst, p.vtag), (a, b, 0xdead_beef));
            assert_eq!(p.chunks.len(), 2);
            assert_eq!((p.chunks[0].tsn, p.chunks[0].stream, p.chunks[0].ssn), (7, 1, 5));
            assert_eq!(p.chunks[1].ppid, 46);
            let m: Vec<_> = p.m3ua_messages().collect();
            let data_at = 40 + ip_at + 24 + 12 + 16 + 16;
            assert_eq!(m, vec![(&[0xaa, 0xbb, 0xcc][..], data_at)]);
        }
    }

    #[test]
    fn bad_sctp_checksum_is_reported_not_fatal() {
        let (a, b) = addrs();
        let mut ip = bundled_sctp(a, b);
        ip[24 + 8] ^= 0xff;
        let mut w = PcapWriter::new(Vec::new(), LinkType::Raw).unwrap();
        w.write_raw(0, &ip).unwrap();
        let f = w.into_inner();
        let rec = PcapReader::new(&f).unwrap().next().unwrap().unwrap();
        let Frame::Sctp(p) = rec.decode().unwrap() else { panic!("not SCTP") };
        assert!(!p.checksum_ok);
        // A chunk length running past the packet is an error with its offset.
        let mut ip = bundled_sctp(a, b);
        ip[24 + 12 + 16 + 3] = 200;
        let mut w = PcapWriter::new(Vec::new(), LinkType::Raw).unwrap();
        w.write_raw(0, &ip).unwrap();
        let f = w.into_inner();
        let e = PcapReader::new(&f).unwrap().next().unwrap().unwrap().decode().unwrap_err();
        assert_eq!(e.offset, 40 + 24 + 12 + 16 + 2);
    }

    #[test]
    fn big_endian_nanosecond_file() {
        let mut f =
            vec![0xa1, 0xb2, 0x3c, 0x4d, 0, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 141];
        f.extend_from_slice(&[0, 0, 0, 2, 0, 0, 0x0b, 0xb8, 0, 0, 0, 1, 0, 0, 0, 1, 0x83]);
        let mut r = PcapReader::new(&f).unwrap();
        assert!(r.is_nanosecond());
        let rec = r.next().unwrap().unwrap();
        assert_eq!(rec.ts_micros, 2_000_003);
        assert_eq!(rec.link, LinkType::Mtp3);
        assert!(r.next().is_none());
    }
}
