//! The OSN over real TCP on loopback, in the tokio runtime.
//!
//! A business's web server (this test, a plain TCP client) sends a call
//! instruction to the Internet access server; the access server, linked to
//! the ISCP by an OSN/TCP connection of its own, hands the call over; the
//! ISCP runs it with a scripted SSP-A, and every status comes back to the
//! client under its request id. Then: frames cut into pieces and frames
//! run together on one write, an oversized frame (the connection is
//! dropped, the listener serves the next one), and a lost network link that
//! reconnects.
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::time::Duration;

use ainsim_elements::access::{hash_password, AccessConfig, AccessServer, Business};
use ainsim_elements::iscp::{Iscp, IscpConfig};
use ainsim_elements::osn::{CallStatus, InstructionResult, OsnMessage, Refusal, MAX_FRAME};
use ainsim_elements::sp::SignallingPoint;
use ainsim_elements::{Element, EventKind, Input, Instant, Outputs, Port};
use ainsim_runtime::rt::{Rt, RtEvent};
use ainsim_store::MemStore;
use ainsim_wire::ain::{AinOpcode, AinOperation, AinParameter, Param};
use ainsim_wire::sccp::{self, Address, ProtocolClass};
use ainsim_wire::stack::{Frame, OperationBody, Start};
use ainsim_wire::tcap::{ansi, TcapRepr};
use ainsim_wire::{PointCode, SccpRepr, Variant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

const V: Variant = Variant::Ansi;
const CLIENT: Port = Port(1);
const NET: Port = Port(9);
const WAIT: Duration = Duration::from_secs(10);

fn ssp_pc() -> PointCode {
    PointCode::ansi(1, 1, 1)
}
fn iscp_pc() -> PointCode {
    PointCode::ansi(1, 1, 50)
}

fn loopback() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

fn access_server() -> AccessServer {
    let mut cfg = AccessConfig::new("ACCESS", vec![CLIENT], NET);
    cfg.unix_time_at_start = 1_800_000_000;
    cfg.businesses.push(Business::new("ABC", hash_password("cruise-2027", b"abc-salt-0001", 64, 1).unwrap()));
    AccessServer::new(cfg).unwrap()
}

fn instruction(request_id: u64, customer: &str) -> Vec<u8> {
    OsnMessage::CallInstruction {
        request_id,
        equipment: "198.51.100.20".into(),
        business: "ABC".into(),
        password: "cruise-2027".into(),
        customer: customer.into(),
        representative: "2125550142".into(),
        contact_at: None,
    }
    .emit()
}

/// Reads one OSN frame (or fails the test after [`WAIT`]).
async fn read_frame(s: &mut TcpStream) -> OsnMessage {
    tokio::time::timeout(WAIT, async {
        let mut len = [0u8; 4];
        s.read_exact(&mut len).await.unwrap();
        let mut body = vec![0u8; u32::from_be_bytes(len) as usize];
        s.read_exact(&mut body).await.unwrap();
        OsnMessage::parse(&[&len[..], &body].concat()).unwrap()
    })
    .await
    .expect("no OSN frame in time")
}

/// Waits for an event from `source` whose text contains `what`.
async fn await_event(events: &mut mpsc::UnboundedReceiver<RtEvent>, source: &str, what: &str) -> RtEvent {
    tokio::time::timeout(WAIT, async {
        loop {
            let e = events.recv().await.unwrap();
            let text = format!("{:?}", e.event.kind);
            if e.source.starts_with(source) && text.contains(what) {
                return e;
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no event from {source} with {what:?}"))
}

fn accepted(m: &OsnMessage) -> u64 {
    match m {
        OsnMessage::CallInstructionResult {
            request_id,
            result: InstructionResult::Accepted { held_until: None },
        } => *request_id,
        other => panic!("not accepted: {other:?}"),
    }
}

/// SSP-A, scripted: answers the ISCP's Create_Call with the customer's
/// O_Answer, and its Analyze_Route with the representative's T_Answer
/// followed by the customer's O_Disconnect.
struct ScriptedSsp {
    sp: SignallingPoint,
}

impl Element for ScriptedSsp {
    fn name(&self) -> &str {
        "SSP-A"
    }

    fn handle(&mut self, _now: Instant, input: Input<'_>, out: &mut Outputs) {
        let Input::Recv { bytes, .. } = input else { return };
        let Ok(f) = Frame::decode(bytes, Start::Mtp3, V, false) else { return };
        let Some(TcapRepr::Ansi(m)) = &f.tcap else { return };
        let iscp_tid = m.transaction_id.get(..4).unwrap_or_default().to_vec();
        let conv = [vec![0x5a, 0, 0, 1], iscp_tid].concat();
        let ops: Vec<AinOpcode> = f
            .operations
            .iter()
            .filter_map(|o| match &o.body {
                OperationBody::Ain(a) => Some(a.opcode),
                OperationBody::Inap(_) => None,
            })
            .collect();
        let mut reply = |pt, op| {
            let tcap = ansi_report(pt, conv.clone(), op);
            out.send(Port(0), self.sp.build(3, iscp_pc(), 1, &udt(tcap)).unwrap());
        };
        if ops.contains(&AinOpcode::CreateCall) {
            reply(ansi::PackageType::ConversationWithPerm, AinOpcode::OAnswer);
        } else if ops.contains(&AinOpcode::AnalyzeRoute) {
            reply(ansi::PackageType::ConversationWithoutPerm, AinOpcode::TAnswer);
            reply(ansi::PackageType::ConversationWithPerm, AinOpcode::ODisconnect);
        }
    }
}

fn ansi_report(pt: ansi::PackageType, tid: Vec<u8>, op: AinOpcode) -> TcapRepr {
    let user = AinParameter::new(
        Param::UserId,
        ainsim_wire::ain::Value::UserId(ainsim_wire::ain::UserId::Dn("2015550100".into())),
    );
    let op = AinOperation::new(op, vec![user, AinParameter::int(Param::BearerCapability, 0)]);
    let invoke = ansi::Invoke {
        form: Default::default(),
        component_ids: vec![1],
        opcode: ansi::OpCode::Private(op.opcode.code()),
        parameter: op.parameter_bytes().unwrap(),
    };
    TcapRepr::Ansi(ansi::Message {
        package_type: pt,
        form: Default::default(),
        transaction_id: tid,
        dialogue: None,
        components: Some(ansi::ComponentSequence::new(vec![ansi::Component::InvokeLast(invoke)])),
        abort_cause: None,
    })
}

fn udt(tcap: TcapRepr) -> Vec<u8> {
    SccpRepr::Udt(sccp::Udt {
        protocol_class: ProtocolClass { class: 0, return_on_error: false, spare: 0 },
        called_party: Address::pc_ssn(V, iscp_pc(), 248),
        calling_party: Address::pc_ssn(V, ssp_pc(), 248),
        data: tcap.to_bytes().unwrap(),
    })
    .to_bytes(V)
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_instruction_over_tcp_becomes_a_call_and_the_statuses_come_back() {
    let mut rt = Rt::new();
    let access = rt.add(access_server());
    let mut iscp_cfg = IscpConfig::new("ISCP", iscp_pc(), V, ssp_pc());
    iscp_cfg.linksets = vec![(ssp_pc(), vec![Port(0)])];
    iscp_cfg.osn_port = Some(NET);
    let iscp = rt.add(Iscp::new(iscp_cfg, Box::new(MemStore::new())));
    let ssp = rt.add(ScriptedSsp { sp: SignallingPoint::new(ssp_pc(), V, 2) });
    rt.wire(ssp, Port(0), iscp, Port(0));
    // Both OSN hops are real TCP: web server → access server, access server → ISCP.
    let web_side = rt.osn_listen(access, CLIENT, loopback()).await.unwrap();
    let iscp_side = rt.osn_listen(iscp, NET, loopback()).await.unwrap();
    rt.osn_connect(access, NET, iscp_side);
    let mut running = rt.start();
    await_event(&mut running.events, "ACCESS/osn:9", "connection with").await;

    let mut web = TcpStream::connect(web_side).await.unwrap();
    web.write_all(&instruction(501, "2015550100")).await.unwrap();
    assert_eq!(accepted(&read_frame(&mut web).await), 501);
    let mut statuses = Vec::new();
    while !matches!(statuses.last(), Some(CallStatus::Released | CallStatus::Failed { .. })) {
        match read_frame(&mut web).await {
            OsnMessage::CallStatus { call_id: 501, status } => statuses.push(status),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(
        statuses,
        [
            CallStatus::CallingCustomer,
            CallStatus::CustomerAnswered,
            CallStatus::CallingRepresentative,
            CallStatus::Connected,
            CallStatus::Released
        ]
    );
    running.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn split_coalesced_and_oversized_frames() {
    // This test plays the ISCP itself, on a listener of its own.
    let network = TcpListener::bind(loopback()).await.unwrap();
    let mut rt = Rt::new();
    let access = rt.add(access_server());
    let web_side = rt.osn_listen(access, CLIENT, loopback()).await.unwrap();
    rt.osn_connect(access, NET, network.local_addr().unwrap());
    let mut running = rt.start();
    let (mut iscp, _) = tokio::time::timeout(WAIT, network.accept()).await.unwrap().unwrap();

    // One instruction cut into three writes (Nagle off, and a pause between the
    // pieces so that they leave as separate segments; the test holds either way).
    let mut web = TcpStream::connect(web_side).await.unwrap();
    web.set_nodelay(true).unwrap();
    let frame = instruction(1, "2015550101");
    for piece in [&frame[..2], &frame[2..20], &frame[20..]] {
        web.write_all(piece).await.unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(accepted(&read_frame(&mut web).await), 1);
    assert!(matches!(read_frame(&mut iscp).await, OsnMessage::CallSetup { call_id: 1, .. }));

    // Two instructions in one write: both answered, in order.
    let two = [instruction(2, "2015550102"), instruction(3, "2015550103")].concat();
    web.write_all(&two).await.unwrap();
    assert_eq!(accepted(&read_frame(&mut web).await), 2);
    assert_eq!(accepted(&read_frame(&mut web).await), 3);

    // A frame longer than the limit: logged, and the connection is dropped.
    let mut huge = u32::try_from(MAX_FRAME + 1).unwrap().to_be_bytes().to_vec();
    huge.extend_from_slice(b"{\"call_instruction\":");
    web.write_all(&huge).await.unwrap();
    let e = await_event(&mut running.events, "ACCESS/osn:1", "connection dropped").await;
    let EventKind::Dropped { reason, hex } = &e.event.kind else { panic!("{e:?}") };
    assert_eq!(reason, "osn: body of 65537 octets is over the 65536-octet limit: connection dropped");
    assert!(hex.starts_with("00010001"), "{hex}");
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(WAIT, web.read_to_end(&mut rest)).await.unwrap();
    assert!(closed.is_err() || rest.is_empty(), "got {rest:?} after the oversized frame");

    // The listener serves the next connection; statuses for the earlier calls follow it.
    let mut web = TcpStream::connect(web_side).await.unwrap();
    web.write_all(&instruction(4, "2015550104")).await.unwrap();
    assert_eq!(accepted(&read_frame(&mut web).await), 4);
    iscp.write_all(&OsnMessage::CallStatus { call_id: 1, status: CallStatus::Connected }.emit())
        .await
        .unwrap();
    assert_eq!(
        read_frame(&mut web).await,
        OsnMessage::CallStatus { call_id: 1, status: CallStatus::Connected }
    );
    running.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_network_link_reconnects_after_a_loss() {
    let network = TcpListener::bind(loopback()).await.unwrap();
    let mut rt = Rt::new();
    let access = rt.add(access_server());
    let web_side = rt.osn_listen(access, CLIENT, loopback()).await.unwrap();
    rt.osn_connect(access, NET, network.local_addr().unwrap());
    let mut running = rt.start();
    let (first, _) = tokio::time::timeout(WAIT, network.accept()).await.unwrap().unwrap();
    let mut web = TcpStream::connect(web_side).await.unwrap();

    // The network side goes away; the access server says so and dials again.
    drop(first);
    await_event(&mut running.events, "ACCESS/osn:9", "lost: peer closed the connection").await;
    let (mut second, _) = tokio::time::timeout(WAIT, network.accept()).await.unwrap().unwrap();
    await_event(&mut running.events, "ACCESS/osn:9", "connection with").await;

    // The new connection carries the next call both ways.
    web.write_all(&instruction(9, "2015550109")).await.unwrap();
    assert_eq!(accepted(&read_frame(&mut web).await), 9);
    let OsnMessage::CallSetup { call_id, customer, .. } = read_frame(&mut second).await else { panic!() };
    assert_eq!(customer, "2015550109");
    second
        .write_all(
            &OsnMessage::CallStatus { call_id, status: CallStatus::Failed { reason: "busy".into() } }.emit(),
        )
        .await
        .unwrap();
    assert_eq!(
        read_frame(&mut web).await,
        OsnMessage::CallStatus { call_id: 9, status: CallStatus::Failed { reason: "busy".into() } }
    );

    // A wrong password over TCP is refused with its reason, like anywhere else.
    let mut bad = instruction(10, "2015550110");
    let at = bad.windows(11).position(|w| w == b"cruise-2027").unwrap();
    bad[at..at + 11].copy_from_slice(b"cruise-2028");
    web.write_all(&bad).await.unwrap();
    let OsnMessage::CallInstructionResult {
        request_id: 10,
        result: InstructionResult::Refused { refusal, .. },
    } = read_frame(&mut web).await
    else {
        panic!()
    };
    assert_eq!(refusal, Refusal::WrongPassword { business: "ABC".into() });
    running.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_instructions_is_answered_whole_and_in_order() {
    let network = TcpListener::bind(loopback()).await.unwrap();
    let mut rt = Rt::new();
    let access = rt.add(access_server());
    let web_side = rt.osn_listen(access, CLIENT, loopback()).await.unwrap();
    rt.osn_connect(access, NET, network.local_addr().unwrap());
    let running = rt.start();
    let (_iscp, _) = tokio::time::timeout(WAIT, network.accept()).await.unwrap().unwrap();

    // 500 instructions in one write (about 120 kB): ABC's 4 calls are accepted,
    // the next 6 find it at its limit, the rest are over its rate of 10 a minute.
    let mut web = TcpStream::connect(web_side).await.unwrap();
    let burst: Vec<u8> = (1..=500).flat_map(|i| instruction(i, &format!("2015{i:06}"))).collect();
    web.write_all(&burst).await.unwrap();
    let mut kinds = Vec::new();
    for i in 1..=500 {
        let OsnMessage::CallInstructionResult { request_id, result } = read_frame(&mut web).await else {
            panic!()
        };
        assert_eq!(request_id, i);
        kinds.push(match result {
            InstructionResult::Accepted { .. } => "accepted",
            InstructionResult::Refused { refusal: Refusal::TooManyCalls { .. }, .. } => "too_many_calls",
            InstructionResult::Refused { refusal: Refusal::RateLimited { .. }, .. } => "rate_limited",
            InstructionResult::Refused { refusal, .. } => panic!("{refusal:?}"),
        });
    }
    assert_eq!(kinds[..4], ["accepted"; 4]);
    assert_eq!(kinds[4..10], ["too_many_calls"; 6]);
    assert!(kinds[10..].iter().all(|k| *k == "rate_limited"));
    running.shutdown();
}
