//! A zero-copy view over an SCCP message, for an STP or a router that needs
//! the message type, the addresses, the hop counter and the user data without
//! a full parse or an allocation.
//!
//! Lazy, in the smoltcp manner: [`Packet::new_checked`] checks only what
//! every accessor needs (the message type octet and, for a known type, its
//! mandatory fixed part and pointers); each accessor then reads its own
//! pointer, length and contents and returns a typed [`Error`] when they do not
//! fit the buffer. [`Packet::check_layout`] runs the full check
//! [`super::Repr::parse`] makes of the layout (canonical order, no trailing
//! octets, a well-formed optional part) when a caller wants it up front. No
//! accessor panics, whatever the buffer, even through [`Packet::new_unchecked`].

use super::address::AddressView;
use super::layout::{layout, Layout, OptionalIter, VIEW};
use super::params::{code, ProtocolClass, ReturnCause};
use super::MessageType;
use crate::error::{Error, Layer, Reason, Result};
use crate::variant::Variant;

/// A view of an SCCP message (see the module documentation).
#[derive(Debug, Clone)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
    variant: Variant,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wrap without any check. The accessors still never panic: on a buffer
    /// too short for what they read they return an error or `None`.
    pub fn new_unchecked(buffer: T, variant: Variant) -> Self {
        Packet { buffer, variant }
    }

    /// Wrap after [`check_len`](Self::check_len).
    ///
    /// # Errors
    /// As [`check_len`](Self::check_len).
    #[inline]
    pub fn new_checked(buffer: T, variant: Variant) -> Result<Self> {
        let p = Packet { buffer, variant };
        p.check_len()?;
        Ok(p)
    }

    /// Check what every accessor needs: the message type octet and, for a
    /// known message type, its mandatory fixed part and pointer octets.
    /// Pointers, lengths and the optional part are checked by the accessors
    /// that read them, or all at once by [`check_layout`](Self::check_layout).
    ///
    /// # Errors
    /// An empty buffer, or one that ends inside the fixed part or pointers.
    #[inline]
    pub fn check_len(&self) -> Result<()> {
        let buf = self.buffer.as_ref();
        match buf.first() {
            Some(&mt) if buf.len() >= usize::from(VIEW.header_len[usize::from(mt)]) => Ok(()),
            _ => Err(header_error(buf)),
        }
    }

    /// The full layout check of [`super::Repr::parse`]: every pointer and
    /// length, the canonical order, the optional part, no trailing octets
    /// (addresses are not decoded). A message that passes gets `Ok` from every
    /// accessor.
    ///
    /// # Errors
    /// As [`super::Repr::parse`] for the layout.
    pub fn check_layout(&self) -> Result<()> {
        self.check_len()?;
        let buf = self.buffer.as_ref();
        match buf.first().and_then(|&mt| layout(mt)) {
            Some(l) => l.validate(buf),
            None => Ok(()),
        }
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The whole message.
    pub fn as_bytes(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    /// Message type (`Unknown(0)` for an empty buffer, which only
    /// [`new_unchecked`](Self::new_unchecked) lets through).
    #[inline]
    pub fn message_type(&self) -> MessageType {
        MessageType::from_u8(self.mt())
    }

    #[inline]
    fn mt(&self) -> u8 {
        self.buffer.as_ref().first().copied().unwrap_or(0)
    }

    /// The layout of a known message type.
    #[inline]
    fn layout(&self) -> Option<Layout> {
        layout(self.mt())
    }

    fn fixed(&self) -> &[u8] {
        self.layout().and_then(|l| self.buffer.as_ref().get(1..1 + l.fixed)).unwrap_or(&[])
    }

    /// Mandatory variable parameter `i` of a known type: its pointer, length
    /// and contents checked against the buffer.
    #[inline]
    fn var(&self, i: usize) -> Result<Option<&[u8]>> {
        let buf = self.buffer.as_ref();
        // One-octet pointers (every type but LUDT/LUDTS): straight from the
        // view table, without building the layout.
        let (ptr0, n) = VIEW.short_vars[usize::from(self.mt())];
        if i < usize::from(n) {
            let ptr_at = usize::from(ptr0) + i;
            if let Some(&p) = buf.get(ptr_at) {
                let at = ptr_at + usize::from(p);
                if p != 0 {
                    if let Some(&len) = buf.get(at) {
                        if let Some(d) = buf.get(at + 1..at + 1 + usize::from(len)) {
                            return Ok(Some(d));
                        }
                    }
                }
            }
        }
        let Some(lay) = self.layout() else { return Ok(None) };
        match lay.var_in(buf, i) {
            Some(d) => Ok(Some(d)),
            None => Err(lay.var_error(buf, i)),
        }
    }

    /// Optional parameter `want` of a known type with an optional part: the
    /// part is walked up to it, each parameter's length checked.
    fn optional(&self, want: u8) -> Result<Option<&[u8]>> {
        let Some(lay) = self.layout() else { return Ok(None) };
        let buf = self.buffer.as_ref();
        let Some(start) = lay.optional_start_checked(buf)? else { return Ok(None) };
        for p in OptionalIter::new(buf, start) {
            let (c, d, _) = p.map_err(|e| e.message(lay.name))?;
            if c == want {
                return Ok(Some(d));
            }
        }
        Ok(None)
    }

    fn is_connectionless(&self) -> bool {
        matches!(
            self.message_type(),
            MessageType::Udt
                | MessageType::Udts
                | MessageType::Xudt
                | MessageType::Xudts
                | MessageType::Ludt
                | MessageType::Ludts
        )
    }

    /// Called party address octets (after the length octet): the mandatory
    /// parameter of UDT/UDTS/XUDT/XUDTS/LUDT/LUDTS/CR, or the optional one of
    /// CC/CREF; `Ok(None)` for other message types or an absent optional one.
    ///
    /// # Errors
    /// A pointer, length or optional part that does not fit the buffer.
    #[inline]
    pub fn called_party_address(&self) -> Result<Option<&[u8]>> {
        // On the type octet: CR and the connectionless types (UDT, UDTS,
        // XUDT, XUDTS, LUDT, LUDTS) carry it first, CC and CREF as an option.
        match self.mt() {
            0x01 | 0x09 | 0x0a | 0x11..=0x14 => self.var(0),
            0x02 | 0x03 => self.optional(code::CALLED_PARTY_ADDRESS),
            _ => Ok(None),
        }
    }

    /// Calling party address octets: mandatory in the connectionless
    /// messages, optional in CR.
    ///
    /// # Errors
    /// As [`called_party_address`](Self::called_party_address).
    pub fn calling_party_address(&self) -> Result<Option<&[u8]>> {
        match self.message_type() {
            MessageType::Cr => self.optional(code::CALLING_PARTY_ADDRESS),
            _ if self.is_connectionless() => self.var(1),
            _ => Ok(None),
        }
    }

    /// An address's octets as a view, its error named and placed.
    #[inline]
    fn address<'a>(&self, b: Option<&'a [u8]>, name: &'static str) -> Result<Option<AddressView<'a>>> {
        let Some(b) = b else { return Ok(None) };
        match AddressView::new_checked(b, self.variant) {
            Ok(a) => Ok(Some(a)),
            Err(e) => Err(self.address_error(e, b, name)),
        }
    }

    #[cold]
    #[inline(never)]
    fn address_error(&self, e: Error, b: &[u8], name: &'static str) -> Error {
        // Where the address starts in the message (it is a sub-slice of it).
        let at = (b.as_ptr() as usize).saturating_sub(self.buffer.as_ref().as_ptr() as usize);
        // Named after the message's parameter, not the view's generic "address".
        let e = Error::new(e.layer, e.offset.saturating_add(at), e.reason.clone()).parameter(name);
        match self.layout() {
            Some(l) => e.message(l.name),
            None => e,
        }
    }

    /// The called party address as a view.
    ///
    /// # Errors
    /// As [`called_party_address`](Self::called_party_address), or an address
    /// shorter than its indicator says.
    #[inline]
    pub fn called_party(&self) -> Result<Option<AddressView<'_>>> {
        self.address(self.called_party_address()?, "called party address")
    }

    /// The calling party address as a view.
    ///
    /// # Errors
    /// As [`called_party`](Self::called_party).
    pub fn calling_party(&self) -> Result<Option<AddressView<'_>>> {
        self.address(self.calling_party_address()?, "calling party address")
    }

    /// User data: the data / long data parameter, or the optional data
    /// parameter of CR, CC, CREF and RLSD.
    ///
    /// # Errors
    /// As [`called_party_address`](Self::called_party_address).
    pub fn user_data(&self) -> Result<Option<&[u8]>> {
        match self.message_type() {
            MessageType::Dt1 | MessageType::Dt2 | MessageType::Ed => self.var(0),
            MessageType::Cr | MessageType::Cc | MessageType::Cref | MessageType::Rlsd => {
                self.optional(code::DATA)
            }
            _ if self.is_connectionless() => self.var(2),
            _ => Ok(None),
        }
    }

    /// Protocol class of UDT, XUDT, LUDT, CR, CC and IT (`None` for other
    /// types, or a buffer [`check_len`](Self::check_len) refuses).
    pub fn protocol_class(&self) -> Option<ProtocolClass> {
        let at = match self.message_type() {
            MessageType::Udt | MessageType::Xudt | MessageType::Ludt => 0,
            MessageType::Cr => 3,
            MessageType::Cc | MessageType::It => 6,
            _ => return None,
        };
        self.fixed().get(at).copied().map(ProtocolClass::from_octet)
    }

    /// Return cause of UDTS, XUDTS and LUDTS.
    pub fn return_cause(&self) -> Option<ReturnCause> {
        match self.message_type() {
            MessageType::Udts | MessageType::Xudts | MessageType::Ludts => {
                self.fixed().first().copied().map(ReturnCause::from_u8)
            }
            _ => None,
        }
    }

    fn hop_counter_at(&self) -> Option<usize> {
        match self.message_type() {
            MessageType::Xudt | MessageType::Xudts | MessageType::Ludt | MessageType::Ludts => {
                (self.buffer.as_ref().len() > 2).then_some(2)
            }
            _ => None,
        }
    }

    /// Hop counter of XUDT/XUDTS/LUDT/LUDTS (mandatory), or of CR (optional).
    ///
    /// # Errors
    /// CR only: an optional part that does not fit the buffer.
    pub fn hop_counter(&self) -> Result<Option<u8>> {
        match self.hop_counter_at() {
            Some(at) => Ok(self.buffer.as_ref().get(at).copied()),
            None if self.message_type() == MessageType::Cr => {
                Ok(self.optional(code::HOP_COUNTER)?.and_then(|d| d.first().copied()))
            }
            None => Ok(None),
        }
    }

    /// Destination local reference of the connection-oriented messages that have one.
    pub fn destination_local_reference(&self) -> Option<u32> {
        let mt = self.message_type();
        if matches!(mt, MessageType::Cr | MessageType::Unknown(_)) || self.is_connectionless() {
            return None;
        }
        ref3(self.fixed())
    }

    /// Source local reference (CR, CC, RLSD, RLC, RSR, RSC, IT).
    pub fn source_local_reference(&self) -> Option<u32> {
        match self.message_type() {
            MessageType::Cr => ref3(self.fixed()),
            MessageType::Cc
            | MessageType::Rlsd
            | MessageType::Rlc
            | MessageType::Rsr
            | MessageType::Rsc
            | MessageType::It => ref3(self.fixed().get(3..)?),
            _ => None,
        }
    }
}

/// The error [`Packet::check_len`] gives for a buffer it refuses.
#[cold]
#[inline(never)]
fn header_error(buf: &[u8]) -> Error {
    let Some(l) = buf.first().and_then(|&mt| layout(mt)) else {
        return Error::truncated(Layer::Sccp, 0, 1, 0).parameter("message type");
    };
    let fixed_end = 1 + l.fixed;
    let e = if buf.len() < fixed_end {
        Error::truncated(Layer::Sccp, 1, l.fixed, buf.len() - 1).parameter("mandatory fixed part")
    } else {
        Error::new(
            Layer::Sccp,
            fixed_end,
            Reason::Truncated { needed: l.header_len() - fixed_end, available: buf.len() - fixed_end },
        )
        .parameter("pointers")
    };
    e.message(l.name)
}

fn ref3(b: &[u8]) -> Option<u32> {
    match b {
        [a, b, c, ..] => Some(u32::from(*a) | u32::from(*b) << 8 | u32::from(*c) << 16),
        _ => None,
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Set the mandatory hop counter (XUDT, XUDTS, LUDT, LUDTS); returns
    /// false for other message types. An STP decrements it on each
    /// translation (Q.714 §2.3.2).
    pub fn set_hop_counter(&mut self, value: u8) -> bool {
        match self.hop_counter_at() {
            Some(at) => match self.buffer.as_mut().get_mut(at) {
                Some(b) => {
                    *b = value;
                    true
                }
                None => false,
            },
            None => false,
        }
    }
}
