//! Parsers for what a V.253 voice modem sends: result lines, caller-ID lines
//! (formatted and raw SDMF/MDMF) and DLE-shielded voice streams.
//!
//! What it is: nom parsers over one line (without its CR LF) or over the
//! bytes of a DLE-shielded stream, and the encoders of the DTE side (DLE
//! doubling). What it is not: no state beyond one DLE held across calls of
//! [`DleDecoder::feed`]; the command/response logic is in `engine`.
//!
//! Contract: nothing here panics, whatever the bytes; a line that is no
//! known result is [`ResultLine::Info`], kept as text.

use nom::branch::alt;
use nom::bytes::complete::{tag, tag_no_case, take_while, take_while1};
use nom::character::complete::{digit1, space0};
use nom::combinator::{all_consuming, map, map_res, opt, rest};
use nom::sequence::{preceded, tuple};
use nom::IResult;

/// ASCII DLE: the V.253 shield character.
pub const DLE: u8 = 0x10;
/// ASCII ETX: `<DLE><ETX>` ends a voice data stream.
pub const ETX: u8 = 0x03;
/// ASCII SUB: `<DLE><SUB>` stands for two DLE data bytes (V.253 §9.3.2).
pub const SUB: u8 = 0x1a;

/// One line from the modem, classified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResultLine {
    Ok,
    Error,
    /// `RING`, or `RING 1`… on modems that count rings (or name a distinctive cadence).
    Ring(Option<u32>),
    /// `CONNECT` with whatever follows (a speed, `VOICE`).
    Connect(String),
    Vcon,
    Busy,
    NoCarrier,
    /// `NO DIALTONE` or `NO DIAL TONE`.
    NoDialtone,
    NoAnswer,
    Ringing,
    /// One formatted caller-ID line (`NMBR = 5551234`).
    Cid(CidField),
    /// A raw SDMF/MDMF message (hex, as `#CID=2` / `+VCID=2` print it), checksum checked.
    RawCid(Result<CallerId, CidError>),
    /// Anything else (an `ATI` answer, a `+VSM=?` line), kept as text.
    Info(String),
}

impl ResultLine {
    /// Whether this line ends a command (a final result code, V.250 §5.7.1).
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            ResultLine::Ok
                | ResultLine::Error
                | ResultLine::Connect(_)
                | ResultLine::Vcon
                | ResultLine::Busy
                | ResultLine::NoCarrier
                | ResultLine::NoDialtone
                | ResultLine::NoAnswer
        )
    }
}

/// A caller-ID number or name: present, private (`P`), or unavailable (`O`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CidValue {
    Value(String),
    /// `P` in formatted output, reason `P` in raw MDMF: withheld by the caller.
    Private,
    /// `O` in formatted output, reason `O` in raw MDMF: out of area / unavailable.
    Unavailable,
}

/// One formatted caller-ID field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CidField {
    /// `DATE = MMDD`
    Date(String),
    /// `TIME = HHMM`
    Time(String),
    Number(CidValue),
    Name(CidValue),
    /// `MESG = ...`: a parameter the modem did not decode, as it printed it.
    Mesg(String),
}

/// A whole caller-ID delivery, gathered from formatted lines or one raw message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallerId {
    pub date: Option<String>,
    pub time: Option<String>,
    pub number: Option<CidValue>,
    pub name: Option<CidValue>,
}

impl CallerId {
    /// Fold one formatted field in.
    pub fn add(&mut self, field: &CidField) {
        match field {
            CidField::Date(d) => self.date = Some(d.clone()),
            CidField::Time(t) => self.time = Some(t.clone()),
            CidField::Number(n) => self.number = Some(n.clone()),
            CidField::Name(n) => self.name = Some(n.clone()),
            CidField::Mesg(_) => {}
        }
    }

    /// The calling number when one was delivered.
    pub fn number(&self) -> Option<&str> {
        match &self.number {
            Some(CidValue::Value(n)) => Some(n),
            _ => None,
        }
    }

    /// Emit as the formatted lines a modem prints (`DATE = 0321` …), CR LF each.
    pub fn emit_formatted(&self, spaces: bool) -> String {
        let eq = if spaces { " = " } else { "=" };
        let mut s = String::new();
        let mut line = |k: &str, v: &str| {
            s.push_str(k);
            s.push_str(eq);
            s.push_str(v);
            s.push_str("\r\n");
        };
        if let Some(d) = &self.date {
            line("DATE", d);
        }
        if let Some(t) = &self.time {
            line("TIME", t);
        }
        let val = |v: &CidValue| match v {
            CidValue::Value(x) => x.clone(),
            CidValue::Private => "P".into(),
            CidValue::Unavailable => "O".into(),
        };
        if let Some(n) = &self.number {
            line("NMBR", &val(n));
        }
        if let Some(n) = &self.name {
            line("NAME", &val(n));
        }
        s
    }

    /// Emit as a raw MDMF message (type 0x80), checksum included.
    pub fn emit_mdmf(&self) -> Vec<u8> {
        let mut body = Vec::new();
        let mut param = |t: u8, v: &[u8]| {
            body.push(t);
            body.push(u8::try_from(v.len()).unwrap_or(u8::MAX));
            body.extend_from_slice(&v[..v.len().min(255)]);
        };
        if let (Some(d), Some(t)) = (&self.date, &self.time) {
            param(0x01, format!("{d}{t}").as_bytes());
        }
        match &self.number {
            Some(CidValue::Value(n)) => param(0x02, n.as_bytes()),
            Some(CidValue::Private) => param(0x04, b"P"),
            Some(CidValue::Unavailable) => param(0x04, b"O"),
            None => {}
        }
        match &self.name {
            Some(CidValue::Value(n)) => param(0x07, n.as_bytes()),
            Some(CidValue::Private) => param(0x08, b"P"),
            Some(CidValue::Unavailable) => param(0x08, b"O"),
            None => {}
        }
        let mut msg = vec![0x80, u8::try_from(body.len()).unwrap_or(u8::MAX)];
        msg.extend_from_slice(&body[..body.len().min(255)]);
        msg.push(checksum(&msg));
        msg
    }
}

/// The byte that makes the sum of a caller-ID message 0 modulo 256 (GR-30-CORE §5.3).
pub fn checksum(msg: &[u8]) -> u8 {
    msg.iter().fold(0u8, |a, b| a.wrapping_add(*b)).wrapping_neg()
}

/// Why a raw caller-ID message was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CidError {
    #[error("caller id: odd or non-hex digit at offset {0}")]
    Hex(usize),
    #[error("caller id: message of {0} bytes is too short (header and checksum take 3)")]
    Short(usize),
    #[error("caller id: length byte says {said}, the message holds {have}")]
    Length { said: usize, have: usize },
    #[error("caller id: checksum 0x{got:02x}, expected 0x{want:02x}")]
    Checksum { got: u8, want: u8 },
    #[error("caller id: message type 0x{0:02x} is neither SDMF (0x04) nor MDMF (0x80)")]
    Type(u8),
    #[error("caller id: MDMF parameter 0x{param:02x} at offset {offset} runs past the end")]
    Param { param: u8, offset: usize },
}

/// Decode hex digits (spaces allowed between bytes).
///
/// # Errors
/// [`CidError::Hex`] with the offset of the first bad digit.
pub fn decode_hex(s: &str) -> Result<Vec<u8>, CidError> {
    let digits: Vec<(usize, u8)> = s.bytes().enumerate().filter(|(_, b)| *b != b' ').collect();
    if digits.len() % 2 != 0 {
        return Err(CidError::Hex(s.len()));
    }
    let nib = |(i, b): (usize, u8)| -> Result<u8, CidError> {
        match b {
            b'0'..=b'9' => Ok(b - b'0'),
            b'a'..=b'f' => Ok(b - b'a' + 10),
            b'A'..=b'F' => Ok(b - b'A' + 10),
            _ => Err(CidError::Hex(i)),
        }
    };
    digits.chunks(2).map(|p| Ok(nib(p[0])? << 4 | nib(p[1])?)).collect()
}

/// Parse one raw SDMF (0x04) or MDMF (0x80) message, checksum included.
///
/// # Errors
/// A [`CidError`] naming the offset or the checksum.
pub fn parse_raw_cid(msg: &[u8]) -> Result<CallerId, CidError> {
    if msg.len() < 3 {
        return Err(CidError::Short(msg.len()));
    }
    let said = usize::from(msg[1]);
    let have = msg.len() - 3;
    if said != have {
        return Err(CidError::Length { said, have });
    }
    let body_end = msg.len() - 1;
    let want = checksum(&msg[..body_end]);
    if want != msg[body_end] {
        return Err(CidError::Checksum { got: msg[body_end], want });
    }
    let body = &msg[2..body_end];
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let mut cid = CallerId::default();
    match msg[0] {
        // SDMF: MMDDHHMM then the number, or `P`/`O` as the number.
        0x04 => {
            if body.len() >= 8 {
                cid.date = Some(text(&body[..4]));
                cid.time = Some(text(&body[4..8]));
            }
            let n = body.get(8..).unwrap_or_default();
            cid.number = Some(match n {
                b"P" => CidValue::Private,
                b"O" => CidValue::Unavailable,
                _ => CidValue::Value(text(n)),
            });
        }
        0x80 => {
            let mut i = 0;
            while i < body.len() {
                let param = body[i];
                let len = usize::from(*body.get(i + 1).ok_or(CidError::Param { param, offset: i + 2 })?);
                let v = body.get(i + 2..i + 2 + len).ok_or(CidError::Param { param, offset: i + 2 })?;
                let reason = |v: &[u8]| if v == b"P" { CidValue::Private } else { CidValue::Unavailable };
                match param {
                    0x01 if v.len() >= 8 => {
                        cid.date = Some(text(&v[..4]));
                        cid.time = Some(text(&v[4..8]));
                    }
                    0x02 => cid.number = Some(CidValue::Value(text(v))),
                    0x04 => cid.number = Some(reason(v)),
                    0x07 => cid.name = Some(CidValue::Value(text(v))),
                    0x08 => cid.name = Some(reason(v)),
                    _ => {}
                }
                i += 2 + len;
            }
        }
        t => return Err(CidError::Type(t)),
    }
    Ok(cid)
}

fn ws(i: &str) -> IResult<&str, &str> {
    space0(i)
}

fn cid_value(v: &str) -> CidValue {
    match v.trim() {
        "P" => CidValue::Private,
        "O" => CidValue::Unavailable,
        x => CidValue::Value(x.to_string()),
    }
}

/// `KEY = value` or `KEY=value`.
fn cid_line(i: &str) -> IResult<&str, CidField> {
    let (i, key) = alt((
        tag_no_case("DATE"),
        tag_no_case("TIME"),
        tag_no_case("NMBR"),
        tag_no_case("NAME"),
        tag_no_case("MESG"),
    ))(i)?;
    let (i, _) = tuple((ws, tag("="), ws))(i)?;
    let (i, v) = rest(i)?;
    let v = v.trim_end();
    let field = match key.to_ascii_uppercase().as_str() {
        "DATE" => CidField::Date(v.to_string()),
        "TIME" => CidField::Time(v.to_string()),
        "NMBR" => CidField::Number(cid_value(v)),
        "NAME" => CidField::Name(cid_value(v)),
        _ => CidField::Mesg(v.to_string()),
    };
    Ok((i, field))
}

fn ring(i: &str) -> IResult<&str, ResultLine> {
    let (i, _) = tag("RING")(i)?;
    let (i, n) = opt(preceded(ws, map_res(digit1, str::parse::<u32>)))(i)?;
    Ok((i, ResultLine::Ring(n)))
}

fn fixed(i: &str) -> IResult<&str, ResultLine> {
    alt((
        map(tag("OK"), |_| ResultLine::Ok),
        map(tag("ERROR"), |_| ResultLine::Error),
        map(tag("VCON"), |_| ResultLine::Vcon),
        map(tag("BUSY"), |_| ResultLine::Busy),
        map(tag("NO CARRIER"), |_| ResultLine::NoCarrier),
        map(alt((tag("NO DIALTONE"), tag("NO DIAL TONE"))), |_| ResultLine::NoDialtone),
        map(tag("NO ANSWER"), |_| ResultLine::NoAnswer),
        map(tag("RINGING"), |_| ResultLine::Ringing),
    ))(i)
}

fn connect(i: &str) -> IResult<&str, ResultLine> {
    let (i, _) = tag("CONNECT")(i)?;
    let (i, r) = rest(i)?;
    Ok((i, ResultLine::Connect(r.trim().to_string())))
}

fn raw_hex(i: &str) -> IResult<&str, &str> {
    take_while1(|c: char| c.is_ascii_hexdigit() || c == ' ')(i)
}

/// Classify one line (without CR LF). Never fails: unknown text is [`ResultLine::Info`].
pub fn parse_line(line: &str) -> ResultLine {
    let t = line.trim();
    let known = alt((
        all_consuming(ring),
        all_consuming(fixed),
        all_consuming(connect),
        map(all_consuming(cid_line), |f| match f {
            // Some modems print the raw message as `MESG = 80 1A ...`; when it checks, use it.
            CidField::Mesg(m) if looks_raw(&m) => raw_line(&m),
            f => ResultLine::Cid(f),
        }),
    ))(t);
    if let Ok((_, r)) = known {
        return r;
    }
    if looks_raw(t) {
        return raw_line(t);
    }
    ResultLine::Info(t.to_string())
}

/// A line of hex bytes starting with an SDMF/MDMF type (`04`/`80`), at least header + checksum.
fn looks_raw(t: &str) -> bool {
    let Ok(("", hex)) = all_consuming(raw_hex)(t) else { return false };
    let n = hex.bytes().filter(|b| *b != b' ').count();
    n >= 6 && n % 2 == 0 && (hex.starts_with("80") || hex.starts_with("04"))
}

fn raw_line(t: &str) -> ResultLine {
    ResultLine::RawCid(decode_hex(t).and_then(|b| parse_raw_cid(&b)))
}

/// One item of a DLE-shielded stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VoiceItem {
    /// Audio bytes, DLE doubling already undone.
    Audio(Vec<u8>),
    Event(DleEvent),
}

/// A shielded code (V.253 Table 14 / IS-101), named after what it reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DleEvent {
    /// `0`–`9`, `*`, `#`, `A`–`D`.
    Dtmf(u8),
    /// `b`: busy tone.
    Busy,
    /// `d`: dial tone.
    DialTone,
    /// `s`: presumed end of message (silence after speech).
    Silence,
    /// `q`: quiet (no speech at all since the start).
    Quiet,
    /// `R`: ring (an incoming ring in voice mode).
    Ring,
    /// `r`: ringback (the far end rings).
    Ringback,
    /// `l`: loop current break (the far end hung up on many lines).
    LoopBreak,
    /// `L`: loop polarity reversal.
    PolarityReversal,
    /// `h`: local handset on hook.
    HandsetOnHook,
    /// `H`: local handset off hook.
    HandsetOffHook,
    /// `a`: answer tone (2100 Hz).
    AnswerTone,
    /// `c`: fax calling tone (1100 Hz).
    FaxCalling,
    /// `e`: data calling tone (1300 Hz).
    DataCalling,
    /// `f`: Bell answer tone (2225 Hz).
    BellAnswer,
    /// `<DLE><ETX>`: end of the data stream.
    EndOfStream,
    /// `<DLE>!`: abort (sent by the DTE to stop +VRX; echoed by some modems).
    Abort,
    /// A code we do not know, kept.
    Unknown(u8),
}

impl DleEvent {
    /// The code byte after DLE.
    pub fn code(self) -> u8 {
        match self {
            DleEvent::Dtmf(d) | DleEvent::Unknown(d) => d,
            DleEvent::Busy => b'b',
            DleEvent::DialTone => b'd',
            DleEvent::Silence => b's',
            DleEvent::Quiet => b'q',
            DleEvent::Ring => b'R',
            DleEvent::Ringback => b'r',
            DleEvent::LoopBreak => b'l',
            DleEvent::PolarityReversal => b'L',
            DleEvent::HandsetOnHook => b'h',
            DleEvent::HandsetOffHook => b'H',
            DleEvent::AnswerTone => b'a',
            DleEvent::FaxCalling => b'c',
            DleEvent::DataCalling => b'e',
            DleEvent::BellAnswer => b'f',
            DleEvent::EndOfStream => ETX,
            DleEvent::Abort => b'!',
        }
    }

    /// The event a code byte names.
    pub fn from_code(c: u8) -> DleEvent {
        match c {
            b'0'..=b'9' | b'*' | b'#' | b'A'..=b'D' => DleEvent::Dtmf(c),
            b'b' => DleEvent::Busy,
            b'd' => DleEvent::DialTone,
            b's' => DleEvent::Silence,
            b'q' => DleEvent::Quiet,
            b'R' => DleEvent::Ring,
            b'r' => DleEvent::Ringback,
            b'l' => DleEvent::LoopBreak,
            b'L' => DleEvent::PolarityReversal,
            b'h' => DleEvent::HandsetOnHook,
            b'H' => DleEvent::HandsetOffHook,
            b'a' => DleEvent::AnswerTone,
            b'c' => DleEvent::FaxCalling,
            b'e' => DleEvent::DataCalling,
            b'f' => DleEvent::BellAnswer,
            ETX => DleEvent::EndOfStream,
            b'!' => DleEvent::Abort,
            x => DleEvent::Unknown(x),
        }
    }
}

/// One token of a shielded stream: a run of plain bytes, one data byte from
/// a doubled DLE, two from `<DLE><SUB>`, or an event.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token<'a> {
    Plain(&'a [u8]),
    Data(&'static [u8]),
    Event(DleEvent),
}

/// nom (streaming): one token; `Incomplete` when the input ends on a lone DLE.
fn token(i: &[u8]) -> IResult<&[u8], Token<'_>> {
    use nom::bytes::streaming::{tag as stag, take};
    alt((
        map(take_while1(|b| b != DLE), Token::Plain),
        map(preceded(stag([DLE]), take(1usize)), |c: &[u8]| match c[0] {
            DLE => Token::Data(&[DLE]),
            SUB => Token::Data(&[DLE, DLE]),
            x => Token::Event(DleEvent::from_code(x)),
        }),
    ))(i)
}

/// Incremental decoder of a DLE-shielded stream; holds a trailing lone DLE between calls.
#[derive(Debug, Default, Clone)]
pub struct DleDecoder {
    held_dle: bool,
}

impl DleDecoder {
    /// Decode `input`, appending audio and events to `out` (adjacent audio merged).
    ///
    /// Stops after `<DLE><ETX>` and returns how many bytes of `input` it
    /// used then (the rest is no longer voice data); `None` when it used all.
    pub fn feed(&mut self, input: &[u8], out: &mut Vec<VoiceItem>) -> Option<usize> {
        let joined;
        let mut i: &[u8] = input;
        let held = usize::from(self.held_dle);
        if self.held_dle {
            joined = [&[DLE][..], input].concat();
            i = &joined;
            self.held_dle = false;
        }
        let total = i.len();
        while !i.is_empty() {
            let Ok((r, t)) = token(i) else {
                // Only a lone DLE at the very end can be incomplete.
                self.held_dle = true;
                break;
            };
            i = r;
            match t {
                Token::Plain(b) => push_audio(out, b),
                Token::Data(b) => push_audio(out, b),
                Token::Event(DleEvent::EndOfStream) => {
                    out.push(VoiceItem::Event(DleEvent::EndOfStream));
                    return Some((total - i.len()).saturating_sub(held));
                }
                Token::Event(e) => out.push(VoiceItem::Event(e)),
            }
        }
        None
    }
}

fn push_audio(out: &mut Vec<VoiceItem>, b: &[u8]) {
    if let Some(VoiceItem::Audio(a)) = out.last_mut() {
        a.extend_from_slice(b);
    } else {
        out.push(VoiceItem::Audio(b.to_vec()));
    }
}

/// Shield audio for the modem: every DLE doubled (V.253 §9.3.2).
pub fn dle_escape(audio: &[u8], out: &mut Vec<u8>) {
    for &b in audio {
        out.push(b);
        if b == DLE {
            out.push(DLE);
        }
    }
}

/// Hex of bytes, upper case, no spaces (how `#CID=2` prints a raw message).
pub fn to_hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}

/// The text of a `+VSM=?` line: `(id, name)` when it starts `id,"NAME"`.
pub fn vsm_entry(line: &str) -> Option<(u16, String)> {
    let r: IResult<&str, (u16, &str)> = tuple((
        map_res(digit1, str::parse::<u16>),
        preceded(tuple((ws, tag(","), ws, tag("\""))), take_while(|c| c != '"')),
    ))(line.trim());
    r.ok().map(|(_, (id, name))| (id, name.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_lines() {
        assert_eq!(parse_line("OK"), ResultLine::Ok);
        assert_eq!(parse_line("RING"), ResultLine::Ring(None));
        assert_eq!(parse_line("RING 2"), ResultLine::Ring(Some(2)));
        assert_eq!(parse_line("NO DIAL TONE"), ResultLine::NoDialtone);
        assert_eq!(parse_line("NO DIALTONE"), ResultLine::NoDialtone);
        assert_eq!(parse_line("CONNECT 33600"), ResultLine::Connect("33600".into()));
        assert_eq!(parse_line("CONNECT"), ResultLine::Connect(String::new()));
        assert_eq!(parse_line("RINGING"), ResultLine::Ringing);
        assert_eq!(parse_line("U.S. Robotics 56K"), ResultLine::Info("U.S. Robotics 56K".into()));
        assert_eq!(parse_line("OKAY"), ResultLine::Info("OKAY".into()));
    }

    #[test]
    fn formatted_cid_with_and_without_spaces() {
        assert_eq!(
            parse_line("NMBR = 5551234"),
            ResultLine::Cid(CidField::Number(CidValue::Value("5551234".into())))
        );
        assert_eq!(
            parse_line("NMBR=5551234"),
            ResultLine::Cid(CidField::Number(CidValue::Value("5551234".into())))
        );
        assert_eq!(parse_line("NAME = P"), ResultLine::Cid(CidField::Name(CidValue::Private)));
        assert_eq!(parse_line("NMBR=O"), ResultLine::Cid(CidField::Number(CidValue::Unavailable)));
        assert_eq!(parse_line("DATE = 0321"), ResultLine::Cid(CidField::Date("0321".into())));
        assert_eq!(parse_line("TIME=1405"), ResultLine::Cid(CidField::Time("1405".into())));
        assert_eq!(
            parse_line("NAME = JOHN DOE"),
            ResultLine::Cid(CidField::Name(CidValue::Value("JOHN DOE".into())))
        );
    }

    /// An MDMF message as GR-30-CORE's example lays it out: date/time, number, name.
    static MDMF: &[u8] = &[
        0x80, 0x1c, 0x01, 0x08, b'0', b'3', b'2', b'1', b'1', b'4', b'0', b'5', 0x02, 0x07, b'5', b'5', b'5',
        b'1', b'2', b'3', b'4', 0x07, 0x07, b'J', b'O', b'H', b'N', b' ', b'D', b'O', 0x00,
    ];

    fn mdmf() -> Vec<u8> {
        let mut m = MDMF.to_vec();
        let n = m.len();
        m[n - 1] = checksum(&m[..n - 1]);
        m
    }

    #[test]
    fn raw_mdmf_parses_and_checksum_is_checked() {
        let m = mdmf();
        let cid = parse_raw_cid(&m).expect("valid");
        assert_eq!(cid.date.as_deref(), Some("0321"));
        assert_eq!(cid.time.as_deref(), Some("1405"));
        assert_eq!(cid.number(), Some("5551234"));
        assert_eq!(cid.name, Some(CidValue::Value("JOHN DO".into())));
        let mut bad = m.clone();
        let n = bad.len();
        bad[n - 1] ^= 1;
        assert!(matches!(parse_raw_cid(&bad), Err(CidError::Checksum { .. })));
        // As a line, with and without spaces.
        assert_eq!(parse_line(&to_hex(&m)), ResultLine::RawCid(Ok(cid.clone())));
        let spaced: Vec<String> = m.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(parse_line(&format!("MESG = {}", spaced.join(" "))), ResultLine::RawCid(Ok(cid)));
    }

    #[test]
    fn raw_sdmf_private() {
        let mut m = vec![0x04, 0x09];
        m.extend_from_slice(b"03211405P");
        m.push(checksum(&m));
        let cid = parse_raw_cid(&m).expect("valid");
        assert_eq!(cid.number, Some(CidValue::Private));
        assert_eq!(cid.time.as_deref(), Some("1405"));
    }

    #[test]
    fn emit_mdmf_round_trips() {
        let cid = CallerId {
            date: Some("1129".into()),
            time: Some("0405".into()),
            number: Some(CidValue::Value("2125550100".into())),
            name: Some(CidValue::Private),
        };
        assert_eq!(parse_raw_cid(&cid.emit_mdmf()), Ok(cid.clone()));
        let mut back = CallerId::default();
        for l in cid.emit_formatted(true).lines() {
            let ResultLine::Cid(f) = parse_line(l) else { panic!("{l}") };
            back.add(&f);
        }
        assert_eq!(back, cid);
    }

    #[test]
    fn dle_stream_all_codes_and_doubling() {
        let mut d = DleDecoder::default();
        let mut out = Vec::new();
        let s = [1, 2, DLE, DLE, 3, DLE, b'5', DLE, b'b', DLE, SUB, 4, DLE, b'R', DLE, ETX];
        assert_eq!(d.feed(&s, &mut out), Some(s.len()));
        assert_eq!(
            out,
            vec![
                VoiceItem::Audio(vec![1, 2, DLE, 3]),
                VoiceItem::Event(DleEvent::Dtmf(b'5')),
                VoiceItem::Event(DleEvent::Busy),
                VoiceItem::Audio(vec![DLE, DLE, 4]),
                VoiceItem::Event(DleEvent::Ring),
                VoiceItem::Event(DleEvent::EndOfStream),
            ]
        );
        for c in b"0123456789*#ABCDbdsqRrlLhHacef!".iter().chain(&[ETX]) {
            assert_eq!(DleEvent::from_code(*c).code(), *c);
        }
    }

    #[test]
    fn dle_split_across_feeds() {
        let mut d = DleDecoder::default();
        let mut out = Vec::new();
        d.feed(&[7, DLE], &mut out);
        d.feed(&[DLE, 8, DLE], &mut out);
        d.feed(b"#", &mut out);
        assert_eq!(out, vec![VoiceItem::Audio(vec![7, DLE, 8]), VoiceItem::Event(DleEvent::Dtmf(b'#'))]);
        let mut esc = Vec::new();
        dle_escape(&[DLE, 1, DLE], &mut esc);
        assert_eq!(esc, vec![DLE, DLE, 1, DLE, DLE]);
    }

    #[test]
    fn vsm_lines() {
        assert_eq!(
            vsm_entry("128,\"8-BIT LINEAR\",(7200,8000,11025),(0),(0)"),
            Some((128, "8-BIT LINEAR".into()))
        );
        assert_eq!(vsm_entry("1, \"8-BIT LINEAR\",8,0,(8000),(0),(0)"), Some((1, "8-BIT LINEAR".into())));
        assert_eq!(vsm_entry("OK"), None);
    }
}
