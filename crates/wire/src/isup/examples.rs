//! A realistic instance of every message type the table defines, per variant:
//! the Wireshark corpus, the round-trip tests and the benchmarks use them.

use super::message::{format, MessageType as M};
use super::param::*;
use super::Repr;
use crate::Variant;

fn called(digits: &str) -> Parameter {
    // Q.763 §3.9: national number, routing to internal network number allowed, ISDN plan.
    Parameter::CalledPartyNumber(Number::e164(3, digits))
}

fn calling(digits: &str) -> Parameter {
    // Q.763 §3.10: national, complete, presentation allowed, network provided.
    Parameter::CallingPartyNumber(Number { screening: 3, ..Number::e164(3, digits) })
}

fn cause(value: u8, location: u8, diagnostics: Vec<u8>) -> Parameter {
    Parameter::CauseIndicators(CauseIndicators {
        location,
        value,
        value_ext: 1,
        diagnostics,
        ..Default::default()
    })
}

fn range(range: u8, status: Vec<u8>) -> Parameter {
    Parameter::RangeAndStatus(RangeAndStatus { range, status })
}

fn cgsmt(hardware: bool) -> Parameter {
    Parameter::CircuitGroupSupervisionMessageType(
        CircuitGroupSupervision::default().with_type_indicator(u8::from(hardware)).with_spare(0),
    )
}

fn bci() -> Parameter {
    // Charge, subscriber free, ordinary subscriber, ISUP all the way, ISDN access.
    Parameter::BackwardCallIndicators(
        BackwardCallIndicators::default()
            .with_charge(2)
            .with_called_party_status(1)
            .with_called_party_category(1)
            .with_isup(1)
            .with_isdn_access(1),
    )
}

fn nci(echo: u8) -> Parameter {
    Parameter::NatureOfConnectionIndicators(NatureOfConnection::default().with_echo_control_device(echo))
}

fn fci() -> Parameter {
    Parameter::ForwardCallIndicators(ForwardCallIndicators::default().with_isup(1).with_isdn_access(1))
}

/// A realistic message of every type in `variant`'s table, with a name.
pub fn examples(variant: Variant) -> Vec<(&'static str, Repr)> {
    let ansi = variant == Variant::Ansi;
    let mut cic = 0u16;
    let mut v: Vec<(&'static str, Repr)> = Vec::new();
    let mut add = |name: &'static str, mt: M, mandatory: Vec<Parameter>, optional: Option<Vec<Parameter>>| {
        cic += 1;
        v.push((
            name,
            Repr::new(variant, if ansi { 1000 + cic } else { 100 + cic }, mt, mandatory, optional),
        ));
    };

    // Calls. "IAM" is the everyday one (and the benchmark's); "IAM (full)"
    // carries more optional parameters.
    let usi = || Parameter::UserServiceInformation(UserServiceInformation { bytes: vec![0x80, 0x90, 0xa2] });
    let iam_mandatory = |called_digits: &str| {
        let mut m = vec![nci(u8::from(!ansi)), fci(), Parameter::CallingPartysCategory(0x0a)];
        if ansi {
            // Q.931 bearer capability: ITU coding, speech; circuit mode 64 kbit/s; G.711 mu-law.
            m.push(usi());
        } else {
            m.push(Parameter::TransmissionMediumRequirement(0));
        }
        m.push(called(called_digits));
        m
    };
    let (called_digits, calling_digits) =
        if ansi { ("2125551234", "9195550100") } else { ("5551234", "3035550199") };
    add(
        "IAM",
        M::Iam,
        iam_mandatory(called_digits),
        Some(vec![
            calling(calling_digits),
            Parameter::OptionalForwardCallIndicators(OptionalForwardCallIndicators::default()),
            Parameter::HopCounter(20),
        ]),
    );
    let mut full = vec![calling(calling_digits)];
    if ansi {
        full.extend([
            Parameter::ChargeNumber(Number::e164(3, "9195550100")),
            Parameter::OriginatingLineInformation(0),
            Parameter::HopCounter(20),
            Parameter::Unknown { code: code::JURISDICTION, bytes: vec![0x19, 0x59, 0x55] },
        ]);
    } else {
        full.extend([
            Parameter::OptionalForwardCallIndicators(OptionalForwardCallIndicators::default()),
            Parameter::GenericNumber(GenericNumber {
                qualifier: 6,
                number: Number { screening: 1, ..Number::e164(3, "3035550100") },
            }),
            Parameter::HopCounter(20),
            Parameter::PropagationDelayCounter(12),
            // Q.931 high layer compatibility: CCITT, telephony.
            Parameter::AccessTransport(vec![0x7d, 0x02, 0x91, 0x81]),
        ]);
    }
    add("IAM (full)", M::Iam, iam_mandatory(called_digits), Some(full));
    let fwd = vec![
        calling("3035550199"),
        // Call forwarded unconditionally, once.
        Parameter::RedirectionInformation(
            RedirectionInformation::default()
                .with_redirecting_indicator(3)
                .with_original_redirection_reason(3)
                .with_redirection_counter(1)
                .with_redirecting_reason(3),
        ),
        Parameter::RedirectingNumber(Number { presentation: 0, ..Number::e164(3, "5550001") }),
        Parameter::OriginalCalledNumber(Number::e164(3, "5550001")),
    ];
    add("IAM (forwarded)", M::Iam, iam_mandatory(if ansi { "2125559876" } else { "5559876" }), Some(fwd));
    add(
        "SAM",
        M::Sam,
        vec![Parameter::SubsequentNumber(SubsequentNumber { spare: 0, digits: "89F".into() })],
        None,
    );
    add(
        "INR",
        M::Inr,
        vec![Parameter::InformationRequestIndicators(
            InformationRequestIndicators::default()
                .with_calling_party_address(1)
                .with_calling_partys_category(1),
        )],
        None,
    );
    add(
        "INF",
        M::Inf,
        vec![Parameter::InformationIndicators(
            InformationIndicators::default()
                .with_calling_party_address_response(3)
                .with_calling_partys_category_response(1)
                .with_solicited(0),
        )],
        Some(vec![Parameter::CallingPartysCategory(0x0a), calling("3035550199")]),
    );
    add(
        "COT",
        M::Cot,
        vec![Parameter::ContinuityIndicators(
            ContinuityIndicators::default().with_continuity(1).with_spare(0),
        )],
        None,
    );
    add(
        "ACM",
        M::Acm,
        vec![bci()],
        Some(vec![Parameter::OptionalBackwardCallIndicators(
            OptionalBackwardCallIndicators::default().with_inband_information(1),
        )]),
    );
    if !ansi {
        add(
            "CON",
            M::Con,
            vec![bci()],
            Some(vec![Parameter::ConnectedNumber(Number { screening: 3, ..Number::e164(3, "5551234") })]),
        );
    }
    add("FOT", M::Fot, vec![], None);
    add(
        "CPG",
        M::Cpg,
        vec![Parameter::EventInformation(
            EventInformation::default().with_event(1).with_presentation_restricted(0),
        )],
        Some(vec![Parameter::OptionalBackwardCallIndicators(
            OptionalBackwardCallIndicators::default().with_inband_information(1),
        )]),
    );
    add("ANM", M::Anm, vec![], None);
    add("ANM (with optional part)", M::Anm, vec![], Some(vec![bci()]));
    add("REL (normal clearing)", M::Rel, vec![cause(16, 0, vec![])], None);
    add("REL (user busy)", M::Rel, vec![cause(17, 0, vec![])], None);
    add("REL (no answer)", M::Rel, vec![cause(19, 2, vec![])], Some(vec![]));
    add("REL (no circuit available)", M::Rel, vec![cause(34, 2, vec![])], None);
    add("RLC", M::Rlc, vec![], None);
    let sr = || vec![Parameter::SuspendResumeIndicators(SuspendResumeIndicators::default())];
    add("SUS", M::Sus, sr(), None);
    add("RES", M::Res, sr(), None);

    // Maintenance.
    add("CCR", M::Ccr, vec![], None);
    add("RSC", M::Rsc, vec![], None);
    add("BLO", M::Blo, vec![], None);
    add("BLA", M::Bla, vec![], None);
    add("UBL", M::Ubl, vec![], None);
    add("UBA", M::Uba, vec![], None);
    add("GRS", M::Grs, vec![range(23, vec![])], None);
    add("GRA", M::Gra, vec![range(23, vec![0x00, 0x01, 0x00])], None);
    add("CGB", M::Cgb, vec![cgsmt(false), range(7, vec![0xff])], None);
    add("CGBA", M::Cgba, vec![cgsmt(false), range(7, vec![0xff])], None);
    add("CGU", M::Cgu, vec![cgsmt(true), range(7, vec![0x0f])], None);
    add("CGUA", M::Cgua, vec![cgsmt(true), range(7, vec![0x0f])], None);
    add("CQM", M::Cqm, vec![range(7, vec![])], None);
    add(
        "CQR",
        M::Cqr,
        vec![
            range(7, vec![]),
            // Circuit state indicators: one octet per circuit, idle / busy.
            Parameter::Unknown {
                code: code::CIRCUIT_STATE,
                bytes: vec![0x03, 0x03, 0x0f, 0x0f, 0x03, 0x03, 0x03, 0x03],
            },
        ],
        None,
    );
    add("UCIC", M::Ucic, vec![], None);
    add("LPA", M::Lpa, vec![], None);
    // Q.850: 97 message type non-existent or not implemented; diagnostic = the message type.
    add("CFN", M::Cfn, vec![cause(97, 2, vec![0xee])], None);

    // Facilities.
    add("FAR", M::Far, vec![Parameter::FacilityIndicator(2)], None);
    add("FAA", M::Faa, vec![Parameter::FacilityIndicator(2)], None);
    add("FRJ", M::Frj, vec![Parameter::FacilityIndicator(2), cause(29, 2, vec![])], None);
    add("FAC", M::Fac, vec![], Some(vec![]));
    add(
        "USR",
        M::Usr,
        vec![Parameter::UserToUserInformation(vec![0x04, 0x48, 0x65, 0x6c, 0x6c, 0x6f])],
        None,
    );

    if ansi {
        add("CRM", M::Crm, vec![nci(0)], None);
        add("CRA", M::Cra, vec![], None);
        add("CVT", M::Cvt, vec![], None);
        add(
            "CVR",
            M::Cvr,
            vec![
                Parameter::CircuitValidationResponseIndicator(1),
                Parameter::CircuitGroupCharacteristicIndicator(0x05),
            ],
            None,
        );
        add("EXM", M::Exm, vec![], Some(vec![]));
    } else {
        for (name, mt) in [
            ("OLM", M::Olm),
            ("NRM", M::Nrm),
            ("UPT", M::Upt),
            ("UPA", M::Upa),
            ("IDR", M::Idr),
            ("IRS", M::Irs),
            ("SGM", M::Sgm),
            ("LOP", M::Lop),
            ("APM", M::Apm),
            ("PRI", M::Pri),
        ] {
            add(name, mt, vec![], format(mt, variant).filter(|f| f.optional).map(|_| vec![]));
        }
    }
    v
}
