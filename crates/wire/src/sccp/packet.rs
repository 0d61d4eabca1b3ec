//! A zero-copy view over an SCCP message, for an STP or a router that needs
//! the message type, the addresses, the hop counter and the user data without
//! a full parse or an allocation.

use super::address::AddressView;
use super::layout::{layout, Layout, OptionalIter};
use super::params::{code, ProtocolClass, ReturnCause};
use super::MessageType;
use crate::error::{Error, Layer, Result};
use crate::variant::Variant;

/// A checked view of an SCCP message. Once [`Packet::new_checked`] has
/// passed, no accessor can panic.
#[derive(Debug, Clone)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
    variant: Variant,
    /// Whether the message type is one with a known layout (checked).
    known: bool,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Check the message type, pointers, lengths and optional part.
    ///
    /// # Errors
    /// As [`super::Repr::parse`] for the layout (addresses are not decoded).
    pub fn new_checked(buffer: T, variant: Variant) -> Result<Self> {
        let buf = buffer.as_ref();
        let Some(&mt) = buf.first() else {
            return Err(Error::truncated(Layer::Sccp, 0, 1, 0).parameter("message type"));
        };
        // The layout is checked here; the accessors read the pointers again
        // (a few octets) rather than keep a skeleton of byte ranges.
        let known = match layout(mt) {
            Some(l) => {
                l.validate(buf)?;
                true
            }
            None => false,
        };
        Ok(Packet { buffer, variant, known })
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The whole message.
    pub fn as_bytes(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    /// Message type.
    pub fn message_type(&self) -> MessageType {
        MessageType::from_u8(self.buffer.as_ref()[0])
    }

    /// The layout of a checked message of a known type.
    fn layout(&self) -> Option<Layout> {
        if !self.known {
            return None;
        }
        layout(*self.buffer.as_ref().first()?)
    }

    fn fixed(&self) -> &[u8] {
        self.layout().and_then(|l| self.buffer.as_ref().get(1..1 + l.fixed)).unwrap_or(&[])
    }

    fn var(&self, i: usize) -> Option<&[u8]> {
        let lay = self.layout()?;
        lay.var_in(self.buffer.as_ref(), i)
    }

    fn optional(&self, want: u8) -> Option<&[u8]> {
        let start = self.layout()?.optional_start(self.buffer.as_ref())?;
        OptionalIter::new(self.buffer.as_ref(), start)
            .find_map(|p| p.ok().filter(|(c, _, _)| *c == want).map(|(_, d, _)| d))
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
    /// CC/CREF.
    pub fn called_party_address(&self) -> Option<&[u8]> {
        match self.message_type() {
            MessageType::Cr => self.var(0),
            MessageType::Cc | MessageType::Cref => self.optional(code::CALLED_PARTY_ADDRESS),
            _ if self.is_connectionless() => self.var(0),
            _ => None,
        }
    }

    /// Calling party address octets: mandatory in the connectionless
    /// messages, optional in CR.
    pub fn calling_party_address(&self) -> Option<&[u8]> {
        match self.message_type() {
            MessageType::Cr => self.optional(code::CALLING_PARTY_ADDRESS),
            _ if self.is_connectionless() => self.var(1),
            _ => None,
        }
    }

    /// The called party address as a view (`None` if absent or too short).
    pub fn called_party(&self) -> Option<AddressView<'_>> {
        AddressView::new_checked(self.called_party_address()?, self.variant).ok()
    }

    /// The calling party address as a view (`None` if absent or too short).
    pub fn calling_party(&self) -> Option<AddressView<'_>> {
        AddressView::new_checked(self.calling_party_address()?, self.variant).ok()
    }

    /// User data: the data / long data parameter, or the optional data
    /// parameter of CR, CC, CREF and RLSD.
    pub fn user_data(&self) -> Option<&[u8]> {
        match self.message_type() {
            MessageType::Dt1 | MessageType::Dt2 | MessageType::Ed => self.var(0),
            MessageType::Cr | MessageType::Cc | MessageType::Cref | MessageType::Rlsd => {
                self.optional(code::DATA)
            }
            _ if self.is_connectionless() => self.var(2),
            _ => None,
        }
    }

    /// Protocol class of UDT, XUDT, LUDT, CR, CC and IT.
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
                self.known.then_some(2)
            }
            _ => None,
        }
    }

    /// Hop counter of XUDT/XUDTS/LUDT/LUDTS (mandatory), or of CR (optional).
    pub fn hop_counter(&self) -> Option<u8> {
        match self.hop_counter_at() {
            Some(at) => self.buffer.as_ref().get(at).copied(),
            None if self.message_type() == MessageType::Cr => {
                self.optional(code::HOP_COUNTER).and_then(|d| d.first().copied())
            }
            None => None,
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
