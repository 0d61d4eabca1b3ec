//! Property tests for the TCAP codec: hostile bytes never panic, mutated
//! example frames re-emit byte for byte whenever they are accepted, and reprs
//! survive emit -> parse unchanged.
#![allow(clippy::unwrap_used)]

use ainsim_wire::ber::LenForm;
use ainsim_wire::tcap::{self, ansi, itu, Oid, Packet, TcapRepr};
use ainsim_wire::Variant;
use proptest::prelude::*;

mod common;
use common::{mutate, mutation};

fn example_frames() -> Vec<Vec<u8>> {
    [Variant::Itu, Variant::Ansi]
        .into_iter()
        .flat_map(tcap::examples)
        .map(|(_, r)| r.to_bytes().unwrap())
        .collect()
}

/// Everything the decoders offer, on one buffer: none may panic, and an
/// accepted buffer must re-emit to itself.
fn exercise(buf: &[u8]) {
    let _ = tcap::peek(buf);
    if let Ok(p) = Packet::new_checked(buf) {
        let _ = (p.kind(), p.variant(), p.otid(), p.dtid(), p.first_invoke_id(), p.first_opcode());
    }
    if let Ok(r) = TcapRepr::parse(buf) {
        assert_eq!(r.to_bytes().unwrap(), buf, "re-emit differs for {r:?}");
        assert_eq!(r.buffer_len(), buf.len());
    }
}

fn form() -> impl Strategy<Value = LenForm> {
    // Long(1) is left out: for 128..=255 octets it is the minimal form and
    // reads back as Definite (see docs/protocols/tcap.md).
    prop_oneof![
        4 => Just(LenForm::Definite),
        2 => Just(LenForm::Indefinite),
        1 => (2u8..=4).prop_map(LenForm::Long),
    ]
}

fn oid() -> impl Strategy<Value = Oid> {
    (0u64..=2, 0u64..=39, prop::collection::vec(any::<u64>(), 0..5)).prop_map(|(a, b, rest)| {
        let mut v = vec![a, b];
        v.extend(rest);
        Oid(v)
    })
}

/// A well-formed raw element with one of `tags` (octet string or constructed).
fn raw_param(tags: &'static [u8]) -> impl Strategy<Value = Vec<u8>> {
    (prop::sample::select(tags), prop::collection::vec(any::<u8>(), 0..12), any::<bool>()).prop_map(
        |(tag, body, indefinite)| {
            if tag & 0x20 == 0 {
                let mut v = vec![tag, body.len() as u8];
                v.extend(body);
                v
            } else if indefinite {
                let mut v = vec![tag, 0x80, 0x04, body.len() as u8];
                v.extend(body);
                v.extend([0, 0]);
                v
            } else {
                let mut v = vec![tag, body.len() as u8 + 2, 0x04, body.len() as u8];
                v.extend(body);
                v
            }
        },
    )
}

fn itu_code() -> impl Strategy<Value = itu::Code> {
    prop_oneof![3 => any::<i64>().prop_map(itu::Code::Local), 1 => oid().prop_map(itu::Code::Global)]
}

fn itu_component() -> impl Strategy<Value = itu::Component> {
    let param = || prop::option::of(raw_param(&[0x30, 0x04, 0xa0, 0x31]));
    prop_oneof![
        (form(), any::<i8>(), prop::option::of(any::<i8>()), itu_code(), param()).prop_map(
            |(f, id, l, op, p)| {
                itu::Component::Invoke(itu::Invoke {
                    form: f,
                    invoke_id: id.into(),
                    linked_id: l.map(Into::into),
                    opcode: op,
                    parameter: p,
                })
            }
        ),
        (form(), any::<i64>(), prop::option::of((form(), itu_code(), param())), any::<bool>()).prop_map(
            |(f, id, body, last)| {
                let r = itu::ReturnResult {
                    form: f,
                    invoke_id: id,
                    result: body.map(|(form, opcode, parameter)| itu::ResultBody { form, opcode, parameter }),
                };
                if last {
                    itu::Component::ReturnResultLast(r)
                } else {
                    itu::Component::ReturnResultNotLast(r)
                }
            }
        ),
        (form(), any::<i8>(), itu_code(), param()).prop_map(|(f, id, e, p)| {
            itu::Component::ReturnError(itu::ReturnError {
                form: f,
                invoke_id: id.into(),
                error_code: e,
                parameter: p,
            })
        }),
        (form(), prop::option::of(any::<i8>()), 0usize..4, any::<i8>()).prop_map(|(f, id, k, c)| {
            let kinds = [
                itu::ProblemType::General,
                itu::ProblemType::Invoke,
                itu::ProblemType::ReturnResult,
                itu::ProblemType::ReturnError,
            ];
            itu::Component::Reject(itu::Reject {
                form: f,
                invoke_id: id.map(Into::into),
                problem_type: kinds[k],
                problem_code: c.into(),
            })
        }),
        raw_param(&[0xa5, 0xa6, 0x85]).prop_map(|raw| itu::Component::Unknown { raw }),
    ]
}

fn aarq() -> impl Strategy<Value = itu::Aarq> {
    (form(), prop::option::of(prop::collection::vec(any::<u8>(), 1..3)), form(), oid(), any::<bool>())
        .prop_map(|(f, pv, af, acn, ui)| itu::Aarq {
            form: f,
            protocol_version: pv,
            acn_form: af,
            application_context: acn,
            user_information: ui.then(|| vec![0xbe, 0x05, 0x28, 0x03, 0x02, 0x01, 0x07]),
        })
}

fn itu_dialogue(abort: bool) -> impl Strategy<Value = itu::DialoguePortion> {
    let pdu = if abort {
        (0u8..2)
            .prop_map(|s| {
                itu::DialoguePdu::Abrt(itu::Abrt {
                    form: LenForm::Definite,
                    abort_source: s.into(),
                    user_information: None,
                })
            })
            .boxed()
    } else {
        prop_oneof![
            aarq().prop_map(itu::DialoguePdu::Aarq),
            aarq().prop_map(itu::DialoguePdu::Audt),
            (aarq(), form(), form(), form(), 0i64..2, any::<bool>(), 0i64..3).prop_map(
                |(a, rf, df, cf, result, user, diagnostic)| itu::DialoguePdu::Aare(itu::Aare {
                    form: a.form,
                    protocol_version: a.protocol_version,
                    acn_form: a.acn_form,
                    application_context: a.application_context,
                    result_form: rf,
                    result,
                    diagnostic_form: df,
                    diagnostic_choice_form: cf,
                    diagnostic_source: if user {
                        itu::DiagnosticSource::ServiceUser
                    } else {
                        itu::DiagnosticSource::ServiceProvider
                    },
                    diagnostic,
                    user_information: a.user_information,
                })
            ),
        ]
        .boxed()
    };
    (form(), form(), form(), pdu).prop_map(|(f, ef, pf, pdu)| {
        let mut d = itu::DialoguePortion::new(pdu);
        d.form = f;
        d.external_form = ef;
        d.pdu_form = pf;
        d
    })
}

fn itu_message() -> impl Strategy<Value = itu::Message> {
    let tid = || prop::collection::vec(any::<u8>(), 1..=4);
    let comps = || {
        (form(), prop::collection::vec(itu_component(), 0..4))
            .prop_map(|(form, components)| itu::ComponentPortion { form, components })
    };
    (
        0usize..5,
        form(),
        tid(),
        tid(),
        prop::option::of(itu_dialogue(false)),
        prop::option::of(comps()),
        comps(),
        prop::option::of(0i64..5),
        prop::option::of(itu_dialogue(true)),
    )
        .prop_map(|(k, form, o, d, dialogue, components, must, cause, abrt)| {
            use itu::MessageType as T;
            let mt = [T::Unidirectional, T::Begin, T::End, T::Continue, T::Abort][k];
            let mut m = itu::Message {
                message_type: mt,
                form,
                otid: None,
                dtid: None,
                p_abort_cause: None,
                dialogue,
                components,
            };
            match mt {
                T::Unidirectional => {
                    m.components = Some(must);
                    if let Some(d) = &mut m.dialogue {
                        if let itu::DialoguePdu::Aarq(a) | itu::DialoguePdu::Audt(a) = &d.pdu {
                            *d = itu::DialoguePortion::new(itu::DialoguePdu::Audt(a.clone()));
                        } else {
                            m.dialogue = None;
                        }
                    }
                }
                T::Begin => m.otid = Some(o),
                T::End => m.dtid = Some(d),
                T::Continue => (m.otid, m.dtid) = (Some(o), Some(d)),
                T::Abort => {
                    m.dtid = Some(d);
                    m.components = None;
                    m.dialogue = if cause.is_some() { None } else { abrt };
                    m.p_abort_cause = cause;
                }
            }
            m
        })
}

fn ansi_component() -> impl Strategy<Value = ansi::Component> {
    let ids = || prop::collection::vec(any::<u8>(), 0..=2);
    let param = || prop::option::of(raw_param(&[0xf2, 0x30]));
    prop_oneof![
        (form(), ids(), any::<bool>(), any::<u16>(), param(), any::<bool>()).prop_map(
            |(form, component_ids, national, v, parameter, last)| {
                let opcode = if national { ansi::OpCode::National(v) } else { ansi::OpCode::Private(v) };
                let i = ansi::Invoke { form, component_ids, opcode, parameter };
                if last {
                    ansi::Component::InvokeLast(i)
                } else {
                    ansi::Component::InvokeNotLast(i)
                }
            }
        ),
        (form(), ids(), param(), any::<bool>()).prop_map(|(form, component_ids, parameter, last)| {
            let r = ansi::ReturnResult { form, component_ids, parameter };
            if last {
                ansi::Component::ReturnResultLast(r)
            } else {
                ansi::Component::ReturnResultNotLast(r)
            }
        }),
        (form(), ids(), any::<bool>(), any::<u8>(), param()).prop_map(
            |(form, component_ids, n, v, parameter)| {
                let error_code = if n { ansi::ErrorCode::National(v) } else { ansi::ErrorCode::Private(v) };
                ansi::Component::ReturnError(ansi::ReturnError { form, component_ids, error_code, parameter })
            }
        ),
        (form(), ids(), any::<u16>(), param()).prop_map(|(form, component_ids, problem, parameter)| {
            ansi::Component::Reject(ansi::Reject { form, component_ids, problem, parameter })
        }),
        raw_param(&[0xef, 0xc9]).prop_map(|raw| ansi::Component::Unknown { raw }),
    ]
}

fn ansi_dialogue() -> impl Strategy<Value = ansi::DialoguePortion> {
    let el = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..3).prop_map(ansi::DialogueElement::ProtocolVersion),
        any::<i64>().prop_map(ansi::DialogueElement::ApplicationContextInteger),
        oid().prop_map(ansi::DialogueElement::ApplicationContextOid),
        raw_param(&[0xfd]).prop_map(ansi::DialogueElement::UserInformation),
        raw_param(&[0xde]).prop_map(ansi::DialogueElement::SecurityContext),
        raw_param(&[0xc1, 0x81]).prop_map(ansi::DialogueElement::Unknown),
    ];
    (form(), prop::collection::vec(el, 0..4))
        .prop_map(|(form, elements)| ansi::DialoguePortion { form, elements })
}

fn ansi_message() -> impl Strategy<Value = ansi::Message> {
    (
        0usize..7,
        form(),
        prop::collection::vec(any::<u8>(), 8),
        any::<bool>(),
        prop::option::of(ansi_dialogue()),
        (form(), prop::collection::vec(ansi_component(), 0..4)),
        any::<bool>(),
        prop::option::of(prop_oneof![
            any::<u8>().prop_map(|c| ansi::AbortCause::PAbort(c.into())),
            raw_param(&[0xd8, 0xf8]).prop_map(ansi::AbortCause::UserAbort),
        ]),
    )
        .prop_map(|(k, form, tid, long, dialogue, (cform, comps), with_comps, cause)| {
            use ansi::PackageType as P;
            let pt = [
                P::Unidirectional,
                P::QueryWithPerm,
                P::QueryWithoutPerm,
                P::Response,
                P::ConversationWithPerm,
                P::ConversationWithoutPerm,
                P::Abort,
            ][k];
            let components = ansi::ComponentSequence { form: cform, components: comps };
            let n = match pt {
                P::Unidirectional => 0,
                P::ConversationWithPerm | P::ConversationWithoutPerm => 8,
                P::Abort if long => 8,
                _ => 4,
            };
            ansi::Message {
                package_type: pt,
                form,
                transaction_id: tid[..n].to_vec(),
                dialogue,
                components: match pt {
                    P::Unidirectional => Some(components),
                    P::Abort => None,
                    _ => with_comps.then_some(components),
                },
                abort_cause: if pt == P::Abort { cause } else { None },
            }
        })
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(buf in prop::collection::vec(any::<u8>(), 0..64)) {
        exercise(&buf);
    }

    #[test]
    fn arbitrary_bytes_with_tcap_tag_never_panic(
        first in prop::sample::select(vec![0x61u8, 0x62, 0x64, 0x65, 0x67, 0xe1, 0xe2, 0xe4, 0xe5, 0xf6]),
        rest in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        let mut buf = vec![first, rest.len().min(127) as u8];
        buf.extend(rest);
        exercise(&buf);
    }

    #[test]
    fn mutated_examples_re_emit_identically(
        which in any::<prop::sample::Index>(),
        muts in prop::collection::vec(mutation(), 1..4),
    ) {
        let frames = example_frames();
        let buf = mutate(which.get(&frames).clone(), &muts);
        exercise(&buf);
    }

    #[test]
    fn itu_repr_round_trips(m in itu_message()) {
        if let Ok(b) = m.to_bytes() {
            let p = itu::Message::parse(&b).unwrap();
            prop_assert_eq!(&p, &m);
            let j = serde_json::to_string(&m).unwrap();
            prop_assert_eq!(serde_json::from_str::<itu::Message>(&j).unwrap(), m);
        }
    }

    #[test]
    fn ansi_repr_round_trips(m in ansi_message()) {
        if let Ok(b) = m.to_bytes() {
            let p = ansi::Message::parse(&b).unwrap();
            prop_assert_eq!(&p, &m);
            let j = serde_json::to_string(&m).unwrap();
            prop_assert_eq!(serde_json::from_str::<ansi::Message>(&j).unwrap(), m);
        }
    }
}

/// The generators must mostly produce encodable reprs, or the round-trip
/// properties test little.
#[test]
fn generators_mostly_encode() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let (mut itu_ok, mut ansi_ok) = (0, 0);
    for _ in 0..200 {
        itu_ok += usize::from(itu_message().new_tree(&mut runner).unwrap().current().to_bytes().is_ok());
        ansi_ok += usize::from(ansi_message().new_tree(&mut runner).unwrap().current().to_bytes().is_ok());
    }
    assert!(itu_ok > 150 && ansi_ok > 150, "itu {itu_ok}/200, ansi {ansi_ok}/200");
}
