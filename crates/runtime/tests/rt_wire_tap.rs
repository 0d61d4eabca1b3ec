//! A tap made with `Tap::with_wires` gets every frame handed over an
//! in-process wire of the real-time runtime, with sender, receiver and the
//! wire's kind; wires made without a kind say so, and an untapped runtime
//! carries the same frames.

use std::time::Duration;

use ainsim_elements::{Element, Input, Instant, Outputs, Port};
use ainsim_runtime::rt::{Rt, Tap};
use ainsim_runtime::LinkKind;

/// Sends `hello` at start; answers every frame with `echo:` + it.
struct Echo(&'static str, bool);

impl Element for Echo {
    fn name(&self) -> &str {
        self.0
    }

    fn handle(&mut self, _now: Instant, input: Input<'_>, out: &mut Outputs) {
        match input {
            Input::Start if self.1 => out.send(Port(0), b"hello".to_vec()),
            Input::Recv { port, bytes } if !bytes.starts_with(b"echo:") => {
                out.send(port, [b"echo:".as_slice(), bytes].concat());
            }
            _ => {}
        }
    }
}

#[tokio::test]
async fn the_wire_tap_sees_each_frame_with_its_ends_and_kind() {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut rt = Rt::new();
    rt.tap(Tap::with_wires(tx));
    let a = rt.add(Echo("A", true));
    let b = rt.add(Echo("B", false));
    let c = rt.add(Echo("C", true));
    rt.wire_kind(a, Port(0), b, Port(0), LinkKind::Osn);
    rt.wire(c, Port(0), b, Port(1));
    let running = rt.start();
    let mut seen = Vec::new();
    while seen.len() < 4 {
        let r = tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .expect("in time")
            .expect("a record");
        seen.push((r.from.to_string(), r.to.to_string(), r.kind, r.bytes.to_vec()));
    }
    running.shutdown();
    seen.sort();
    assert_eq!(
        seen,
        vec![
            ("A".into(), "B".into(), Some(LinkKind::Osn), b"hello".to_vec()),
            ("B".into(), "A".into(), Some(LinkKind::Osn), b"echo:hello".to_vec()),
            ("B".into(), "C".into(), None, b"echo:hello".to_vec()),
            ("C".into(), "B".into(), None, b"hello".to_vec()),
        ]
    );
}
