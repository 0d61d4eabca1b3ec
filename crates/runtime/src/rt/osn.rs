//! OSN links over real TCP: the framed [`OsnMessage`] protocol (4-octet
//! big-endian length, then that many octets of JSON) on a TCP stream.
//!
//! One link joins one element port to one TCP connection at a time:
//!
//! - a **listening** link ([`super::Rt::osn_listen`]) accepts connections on
//!   its address; a newer connection replaces the current one (the old one
//!   is closed and the replacement logged), so a peer that reconnects after
//!   a loss is served at once;
//! - a **connecting** link ([`super::Rt::osn_connect`]) connects to its peer
//!   and reconnects after a loss or a refusal, backing off from
//!   [`RECONNECT_MIN`] to [`RECONNECT_MAX`].
//!
//! Contract: the element sees each frame whole (length prefix included),
//! however TCP segmented or coalesced it; `Input::LinkState { up }` when a
//! connection comes or goes. A frame whose length prefix is over
//! [`ainsim_elements::osn::MAX_FRAME`] is logged (an `EventKind::Dropped` with the first octets
//! in hex) and the connection is dropped (a connecting link then
//! reconnects). Frames the element sends while there is no connection wait
//! in a queue of [`OSN_QUEUE`] frames and go out, in order, on the next one;
//! beyond that the oldest is dropped and logged; a frame cut short by a
//! lost connection is sent again, whole, on the next one. Reading and
//! writing go on together. A frame the element sends
//! that is not one well-formed frame is logged and not sent. Nothing is
//! dropped without an event.
//!
//! What it is not: acknowledged delivery (a frame written into a connection
//! that then fails may be lost with it, as with any TCP protocol without
//! application acks), TLS, or a multiplexer (one connection per link: give
//! each requester its own port).

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Duration;

use ainsim_elements::osn::{OsnError, OsnMessage};
use ainsim_elements::{Event, EventKind, Port};
use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use super::{now_since, Msg, RtEvent};

/// OSN frames a link holds while it has no connection; beyond it the oldest is dropped (and logged).
pub const OSN_QUEUE: usize = 1024;
/// First wait before a connecting OSN link tries again.
pub const RECONNECT_MIN: Duration = Duration::from_millis(50);
/// Longest wait between a connecting OSN link's tries.
pub const RECONNECT_MAX: Duration = Duration::from_secs(2);

/// Cuts whole OSN frames off a TCP byte stream.
#[derive(Debug, Default)]
pub(crate) struct FrameBuf {
    buf: BytesMut,
}

impl FrameBuf {
    /// The next whole frame, `Ok(None)` if more octets are needed.
    ///
    /// # Errors
    /// The length prefix is over `MAX_FRAME`: the stream cannot be resynchronised.
    pub(crate) fn next_frame(&mut self) -> Result<Option<Bytes>, OsnError> {
        Ok(OsnMessage::split(&self.buf)?.map(|n| self.buf.split_to(n).freeze()))
    }

    /// Octets received but not yet a whole frame.
    pub(crate) fn pending(&self) -> &[u8] {
        &self.buf
    }
}

pub(super) enum End {
    Listen(TcpListener),
    Connect(SocketAddr),
}

pub(super) struct OsnSlot {
    pub(super) node: usize,
    pub(super) port: Port,
    pub(super) end: End,
    pub(super) frames: mpsc::UnboundedReceiver<Bytes>,
    pub(super) name: String,
}

/// Why a connection ended.
enum Ended {
    /// The element's side is gone (the network is shutting down).
    Shutdown,
    /// A newer connection arrived on the listener.
    Replaced(TcpStream, SocketAddr),
    Lost(String),
}

struct Link {
    slot: OsnSlot,
    up: mpsc::UnboundedSender<Msg>,
    ev: mpsc::UnboundedSender<RtEvent>,
    epoch: tokio::time::Instant,
    queue: VecDeque<Bytes>,
}

impl Link {
    fn event(&self, kind: EventKind) {
        let _ = self.ev.send(RtEvent {
            at: now_since(self.epoch),
            source: self.slot.name.clone(),
            event: Event { call: None, kind },
        });
    }

    fn note(&self, s: String) {
        self.event(EventKind::Note(s));
    }

    fn link_state(&self, up: bool) {
        let _ = self.up.send(Msg::Link(self.slot.port, up));
    }

    /// Checks a frame from the element and queues it; false if the element is gone.
    fn take(&mut self, f: Option<Bytes>) -> bool {
        let Some(f) = f else { return false };
        let ok = match OsnMessage::split(&f) {
            Ok(Some(n)) if n == f.len() => Ok(()),
            Ok(_) => Err(format!("osn: not one whole frame ({} octets)", f.len())),
            Err(e) => Err(e.to_string()),
        };
        match ok {
            Ok(()) => {
                if self.queue.len() == OSN_QUEUE {
                    self.queue.pop_front();
                    self.event(EventKind::Dropped {
                        reason: format!("osn: no connection and {OSN_QUEUE} frames queued: oldest dropped"),
                        hex: String::new(),
                    });
                }
                self.queue.push_back(f);
            }
            Err(reason) => {
                self.event(EventKind::Dropped { reason: format!("not sent: {reason}"), hex: hex(&f) })
            }
        }
        true
    }

    /// Waits for a connection, queueing the element's frames meanwhile.
    async fn connection(&mut self, backoff: &mut Duration) -> Option<(TcpStream, SocketAddr)> {
        loop {
            match &self.slot.end {
                End::Listen(listener) => {
                    tokio::select! {
                        r = listener.accept() => match r {
                            Ok(c) => return Some(c),
                            Err(e) => self.note(format!("accept failed: {e}")),
                        },
                        f = self.slot.frames.recv() => if !self.take(f) { return None },
                    }
                }
                End::Connect(peer) => {
                    let peer = *peer;
                    tokio::select! {
                        r = TcpStream::connect(peer) => match r {
                            Ok(s) => return Some((s, peer)),
                            Err(e) => {
                                self.note(format!("connect to {peer} failed: {e}; again in {} ms", backoff.as_millis()));
                                let wake = tokio::time::Instant::now() + *backoff;
                                *backoff = (*backoff * 2).min(RECONNECT_MAX);
                                loop {
                                    tokio::select! {
                                        () = tokio::time::sleep_until(wake) => break,
                                        f = self.slot.frames.recv() => if !self.take(f) { return None },
                                    }
                                }
                            }
                        },
                        f = self.slot.frames.recv() => if !self.take(f) { return None },
                    }
                }
            }
        }
    }

    fn write_lost(&self, why: &str) -> String {
        format!("{why} ({} frames wait for the next connection)", self.queue.len())
    }

    /// Serves one connection until it ends.
    async fn serve(&mut self, stream: TcpStream) -> Ended {
        let _ = stream.set_nodelay(true);
        let (mut rd, mut wr) = stream.into_split();
        let mut rx = FrameBuf::default();
        // Octets of the queue's front frame already written: writing and
        // reading go on together (two busy peers never wait on each other's
        // full windows), and a frame cut by a lost connection is sent whole
        // on the next one.
        let mut written = 0usize;
        loop {
            let front = self.queue.front().cloned();
            let write = async {
                match &front {
                    Some(f) => wr.write(&f[written..]).await,
                    None => std::future::pending().await,
                }
            };
            let accept = async {
                match &self.slot.end {
                    End::Listen(l) => l.accept().await,
                    End::Connect(_) => std::future::pending().await,
                }
            };
            tokio::select! {
                r = rd.read_buf(&mut rx.buf) => match r {
                    Ok(0) => {
                        let left = rx.pending().len();
                        return Ended::Lost(if left == 0 {
                            "peer closed the connection".into()
                        } else {
                            format!("peer closed the connection in the middle of a frame ({left} octets dropped)")
                        });
                    }
                    Err(e) => return Ended::Lost(format!("read failed: {e}")),
                    Ok(_) => loop {
                        match rx.next_frame() {
                            Ok(Some(frame)) => {
                                let _ = self.up.send(Msg::Recv(self.slot.port, frame));
                            }
                            Ok(None) => break,
                            Err(e) => {
                                let head = &rx.pending()[..rx.pending().len().min(64)];
                                self.event(EventKind::Dropped { reason: format!("{e}: connection dropped"), hex: hex(head) });
                                return Ended::Lost(e.to_string());
                            }
                        }
                    },
                },
                w = write => match w {
                    Ok(n) if n > 0 => {
                        written += n;
                        if front.as_ref().is_some_and(|f| written == f.len()) {
                            self.queue.pop_front();
                            written = 0;
                        }
                    }
                    Ok(_) => return Ended::Lost(self.write_lost("the connection takes no more octets")),
                    Err(e) => return Ended::Lost(self.write_lost(&format!("write failed: {e}"))),
                },
                f = self.slot.frames.recv() => if !self.take(f) { return Ended::Shutdown },
                c = accept => match c {
                    Ok((s, from)) => return Ended::Replaced(s, from),
                    Err(e) => self.note(format!("accept failed: {e}")),
                },
            }
        }
    }
}

pub(super) async fn run(
    slot: OsnSlot,
    up: mpsc::UnboundedSender<Msg>,
    ev: mpsc::UnboundedSender<RtEvent>,
    epoch: tokio::time::Instant,
) {
    let mut link = Link { slot, up, ev, epoch, queue: VecDeque::new() };
    let mut backoff = RECONNECT_MIN;
    let mut next: Option<(TcpStream, SocketAddr)> = None;
    loop {
        let (stream, peer) = match next.take() {
            Some(c) => c,
            None => match link.connection(&mut backoff).await {
                Some(c) => c,
                None => return,
            },
        };
        backoff = RECONNECT_MIN;
        link.note(format!("OSN connection with {peer} up"));
        link.link_state(true);
        let ended = link.serve(stream).await;
        match ended {
            Ended::Shutdown => return,
            Ended::Replaced(s, from) => {
                link.note(format!("OSN connection with {peer} replaced by one from {from}"));
                next = Some((s, from));
                // The element sees the connection go and come back.
            }
            Ended::Lost(why) => link.note(format!("OSN connection with {peer} lost: {why}")),
        }
        link.link_state(false);
    }
}

fn hex(b: &[u8]) -> String {
    use std::fmt::Write;
    b.iter().take(64).fold(String::new(), |mut s, x| {
        let _ = write!(s, "{x:02x}");
        s
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use ainsim_elements::osn::MAX_FRAME;

    fn frame(n: u64) -> Vec<u8> {
        OsnMessage::CallStatus { call_id: n, status: ainsim_elements::osn::CallStatus::Connected }.emit()
    }

    #[test]
    fn frames_come_out_whole_however_the_stream_is_cut() {
        let stream: Vec<u8> = (1..=3).flat_map(frame).collect();
        for chunk in [1, 2, 3, 5, 7, stream.len()] {
            let mut fb = FrameBuf::default();
            let mut got = Vec::new();
            for piece in stream.chunks(chunk) {
                fb.buf.extend_from_slice(piece);
                while let Some(f) = fb.next_frame().unwrap() {
                    got.push(OsnMessage::parse(&f).unwrap());
                }
            }
            assert_eq!(got.len(), 3, "chunks of {chunk}");
            assert!(fb.pending().is_empty());
        }
    }

    #[test]
    fn an_oversized_length_is_an_error() {
        let mut fb = FrameBuf::default();
        fb.buf.extend_from_slice(&u32::try_from(MAX_FRAME + 1).unwrap().to_be_bytes());
        assert_eq!(fb.next_frame(), Err(OsnError::TooLong(MAX_FRAME + 1)));
    }
}
