//! `ainsim decode HEX` prints a tree a lab engineer can read: a heading a
//! layer and every code point named next to its number. One frame a layer,
//! run through the real binary; each test names the lines it expects, exactly.

use std::process::Command;

/// Runs `ainsim decode ARGS... HEX` and returns its standard output.
fn decode(args: &[&str], hex: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_ainsim"))
        .arg("decode")
        .args(args)
        .arg(hex)
        .output()
        .expect("ainsim runs");
    assert!(
        out.status.success(),
        "ainsim decode {args:?} {hex} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// Asserts that every `want` line is a line of `out`, indentation included,
/// and that they come in this order.
fn assert_lines(out: &str, want: &[&str]) {
    let lines: Vec<&str> = out.lines().collect();
    let mut from = 0;
    for w in want {
        match lines[from..].iter().position(|l| l == w) {
            Some(i) => from += i + 1,
            None => panic!("line {w:?} missing (or out of order) in:\n{out}"),
        }
    }
}

/// MTP3 ITU, SIO 0x85 (ISUP, national), label DPC 2-100-5 OPC 2-101-1 SLS 7, ISUP IAM CIC 23.
const ITU_IAM: &str = "852553ca741700010060010a00020a08839089145508020f0a070313093254760000";

#[test]
fn isup_iam_names_indicators_numbers_and_category() {
    let out = decode(&[], ITU_IAM);
    assert_lines(
        &out,
        &[
            "MTP3 (ITU) OPC 2-101-1 -> DPC 2-100-5, SI 5 ISUP",
            "  si: 5 (ISUP)",
            "  ni: 2 (national)",
            "  dpc: 4901 (2-100-5)",
            "ISUP (ITU) IAM CIC 23: initial address",
            "  mandatory",
            "    nature_of_connection_indicators",
            "      continuity_check: 0 (continuity check not required)",
            "      isup_preference: 1 (ISDN user part not required all the way)",
            "    calling_partys_category: 10 (ordinary calling subscriber)",
            "    transmission_medium_requirement: 0 (speech)",
            "    called_party_number",
            "      nature_of_address: 3 (national (significant) number)",
            "      inn_ni: 1 (routing to internal network number not allowed)",
            "      numbering_plan: 1 (ISDN/telephony E.164)",
            // The called party number has no screening indicator: no name for spare bits.
            "      screening: 0",
            "      digits: 9841558020F",
            "  optional",
            "    calling_party_number",
            "      inn_ni: 0 (complete)",
            "      presentation: 0 (presentation allowed)",
            "      screening: 3 (network provided)",
        ],
    );
    // Noise left out: the variant in each layer, the decoded SIF, zero spares.
    for absent in ["variant", "sif", "spare", "cic_spare", "body", "parameters"] {
        assert!(!out.lines().any(|l| l.trim_start().starts_with(absent)), "{absent} shown:\n{out}");
    }
}

#[test]
fn isup_rel_names_the_cause() {
    let out = decode(&["--layer", "isup"], "72000c0200028090");
    assert_lines(
        &out,
        &[
            "ISUP (ITU) REL CIC 114: release",
            "      coding_standard: 0 (ITU-T standardized coding)",
            "      location: 0 (user)",
            "      value: 16 (normal call clearing)",
        ],
    );
}

#[test]
fn ansi_isup_uses_the_ansi_tables() {
    // IAM (full), ANSI: charge number, originating line information, jurisdiction (kept raw).
    let hex = "850110f50714f503ea03010020010a03060d038090a207031012525521430a0703131959551000\
               eb0703101959551000ea01003d0114c40319595500";
    let out = decode(&["--variant", "ansi"], hex);
    assert_lines(
        &out,
        &[
            "MTP3 (ANSI) OPC 245-20-7 -> DPC 245-16-1, SI 5 ISUP",
            "ISUP (ANSI) IAM CIC 1002: initial address",
            "    charge_number",
            "      nature_of_address: 3 (ANI of the calling party; national number)",
            "    originating_line_information: 0 (identified line, no special treatment)",
            "      code: 196 (jurisdiction information)",
        ],
    );
}

#[test]
fn mtp2_lssu_names_the_status() {
    let out = decode(&["--layer", "mtp2"], "ffff0103bcd4");
    assert_lines(&out, &["MTP2 LSSU SIOS", "  unit: lssu", "    status: 3 (SIOS, out of service)"]);
}

#[test]
fn snm_tfp_shows_the_destination_dashed() {
    let out = decode(&[], "802553ca3414b314");
    assert_lines(
        &out,
        &[
            "MTP3 (ITU) OPC 2-101-1 -> DPC 2-100-5, SI 0 SNM, signalling network management",
            "SNM (ITU) TFP: transfer-prohibited, destination 2-150-3",
            "  dest: 5299 (2-150-3)",
        ],
    );
}

#[test]
fn ansi_sltm_on_the_special_service_indicator() {
    let out = decode(&["--variant", "ansi"], "b20110f50714f50311a332353634323836323838");
    assert_lines(
        &out,
        &[
            "  si: 2 (MTNS, signalling network testing and maintenance special)",
            "SLT (ANSI) SLTM: signalling link test message",
        ],
    );
}

#[test]
fn sccp_udt_tcap_inap_names_every_layer() {
    // MTP3 ITU SCCP UDT (GT to 18005551234, SSN 241) carrying a TCAP Begin
    // with InitiateCallAttempt.
    let hex = "832553ca340981030e120b12f100110481005515320404432513f13f623d480400013a7f6b1e281c06\
               0700118605010101a011600f80020780a1090607040001010000006c15a113020101020120300ba009\
               040703100352552143";
    let out = decode(&[], hex);
    assert_lines(
        &out,
        &[
            "MTP3 (ITU) OPC 2-101-1 -> DPC 2-100-5, SI 3 SCCP",
            "SCCP (ITU) UDT: unitdata, class 1",
            "    class: 1 (sequenced connectionless)",
            "  called_party",
            "    routing: global_title (route on global title)",
            "    ssn: 241 (INAP)",
            "      form: tt_np_es_nai (GTI 4: translation type, numbering plan, encoding scheme, nature of address)",
            "      numbering_plan: 1 (ISDN/telephony E.164)",
            "      nature_of_address: 4 (international number)",
            "      digits: 18005551234",
            "TCAP (ITU) Begin otid 00013a7f",
            "    [0] invoke",
            "      opcode: local 32 (initiateCallAttempt)",
            "INAP initiateCallAttempt (opcode 32), component 0",
            "  destination_routing_address: numbers",
            "      nature_of_address: 3 (national (significant) number)",
            "      digits: 3025551234",
        ],
    );
}

#[test]
fn ansi_udt_tcap_ain_names_the_operation() {
    let hex = "830110f50714f5030981030b100889f708085055214305c3f70110f532e230c7041a2b3c4df906da01\
               03db0102e820e91ecf0101d1026403f215bf3507810555153254768d01008f06831055153204";
    let out = decode(&["--variant", "ansi"], hex);
    assert_lines(
        &out,
        &[
            "SCCP (ANSI) UDT: unitdata, class 1",
            // ANSI numbers the same global title forms differently.
            "      form: tt (GTI 2: translation type)",
            "TCAP (ANSI) QueryWithPerm tid 1a2b3c4d",
            "      opcode: private 0x6403 (Info_Analyzed)",
            "AIN 0.2 Info_Analyzed (opcode 0x6403), component 0",
            "    called_party_id: digits",
            "      nature_of_number: 3 (national (significant) number)",
        ],
    );
}

#[test]
fn sccp_udts_names_the_return_cause() {
    let out = decode(&["--layer", "sccp"], "0a0103071204432513f10b12f1001104810055153204086206480400000001");
    assert_lines(
        &out,
        &[
            "SCCP (ITU) UDTS: unitdata service",
            "  return_cause: 1 (no translation for this specific address)",
        ],
    );
}

#[test]
fn tcap_errors_rejects_and_aborts_are_named() {
    let out = decode(
        &["--layer", "tcap"],
        "642749045100029c6c1fa20d02010230080201308003006587a306020103020107a406020104810101",
    );
    assert_lines(
        &out,
        &[
            "TCAP (ITU) End dtid 5100029c",
            "        opcode: local 48 (promptAndCollectUserInformation)",
            "      error_code: local 7 (missingParameter)",
            "    [2] reject",
            "      problem_type: invoke",
            "      problem_code: 1 (unrecognized operation)",
        ],
    );
    let out = decode(&["--layer", "tcap", "--variant", "ansi"], "f609c70400009107d70104");
    assert_lines(
        &out,
        &[
            "TCAP (ANSI) Abort tid 00009107",
            "  abort_cause: p_abort 4 (unassigned responding transaction ID)",
        ],
    );
}

#[test]
fn m3ua_names_classes_user_parts_and_states() {
    let data = "010001010000004c020000080000000100060008000000010210002c0000080900001012050200071100\
                010060010a00020907031012525521430a070311095855212100001300080000002a";
    let out = decode(&["--layer", "m3ua"], data);
    assert_lines(
        &out,
        &[
            "M3UA DATA: Payload Data (Transfer)",
            "  protocol_data",
            "    opc: 2057 (1-1-1)",
            "    si: 5 (ISUP)",
            "ISUP (ITU) IAM CIC 17: initial address",
        ],
    );
    let ntfy = "0100000100000030000d000800010003001100080000000100060008000000010004000d4153206163746976\
                65000000";
    let out = decode(&["--layer", "m3ua"], ntfy);
    assert_lines(
        &out,
        &[
            "M3UA NTFY: Notify (MGMT)",
            "    status_type: 1 (AS-State_Change)",
            "    status_info: 3 (AS-ACTIVE)",
        ],
    );
}

#[test]
fn itu_opcodes_are_named_only_in_an_inap_context() {
    // The INAP Begin above with its application context changed to MAP's
    // 0.4.0.0.1.0.1.3: local opcode 32 is not initiateCallAttempt there.
    let inap = "623d480400013a7f6b1e281c060700118605010101a011600f80020780a1090607040001010000006c15a1130201\
                01020120300ba009040703100352552143";
    let map = inap.replace("04000101000000", "04000001000103");
    assert_lines(&decode(&["--layer", "tcap"], inap), &["      opcode: local 32 (initiateCallAttempt)"]);
    assert_lines(
        &decode(&["--layer", "tcap"], &map),
        &["      application_context: 0.4.0.0.1.0.1.3", "      opcode: local 32"],
    );
}
