//! Device profiles as data: how each modem or gateway identifies itself and
//! which of its quirks the operations and the emulator follow.
//!
//! What it is: one `static` [`Profile`] per device family, and
//! [`identify`] that picks one from `ATI0`/`ATI3`/`ATI9` answers. Quirks
//! are fields here (the `+VSM` codec and its parameters, the DLE style of
//! in-stream commands, the caller-ID commands to try in order, whether
//! `+VSD` works), never `if`s on a device name elsewhere.
//! What it is not: a database of every modem; the values for the real
//! devices come from their AT manuals and from what vgetty/NCID users
//! report, and the gateway profile is ainsim's own dialect (see
//! docs/hardware.md).

use crate::parse::{DLE, ETX};

/// What kind of device sits on the serial port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceKind {
    /// A voice modem on an FXO line (it is the phone toward the exchange).
    VoiceModem,
    /// An FXO/FXS gateway: its FXS port rings a phone and reads its hook.
    Gateway,
}

/// How commands inside a voice stream (end of playback, abort) are shielded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DleStyle {
    /// `<DLE><ETX>`, `<DLE>!` as V.253 says.
    Single,
    /// `<DLE><DLE><DLE><ETX>`: Conexant firmware misses a single DLE after
    /// audio that ended in a DLE; three are read right by a V.253 modem too
    /// (a doubled DLE, then the command).
    Triple,
}

impl DleStyle {
    /// The bytes that shield `code` inside a stream.
    pub fn command(self, code: u8) -> Vec<u8> {
        match self {
            DleStyle::Single => vec![DLE, code],
            DleStyle::Triple => vec![DLE, DLE, DLE, code],
        }
    }

    /// End a playback (`+VTX`).
    pub fn end_play(self) -> Vec<u8> {
        self.command(ETX)
    }

    /// Stop a recording (`+VRX`, `+VTR`).
    pub fn abort(self) -> Vec<u8> {
        self.command(b'!')
    }
}

/// One device family.
#[derive(Debug, PartialEq, Eq)]
pub struct Profile {
    /// Short name for `--profile` (`usr5637`).
    pub id: &'static str,
    pub name: &'static str,
    pub kind: DeviceKind,
    /// What the device answers to `ATI0`, `ATI3`, `ATI9` (the emulator prints these).
    pub ati: [&'static str; 3],
    /// Substrings that identify it: `(which ATI, text)`; all must match.
    pub ident: &'static [(usize, &'static str)],
    /// The `+VSM=?` lines it prints.
    pub vsm_list: &'static [&'static str],
    /// Codec ids to pick from `+VSM=?`, best first (8-bit linear, 8 kHz).
    pub vsm_prefer: &'static [u16],
    /// What follows the codec id in `+VSM=` (`,8000` or `,8000,0,0`).
    pub vsm_params: &'static str,
    pub dle: DleStyle,
    /// Caller-ID commands to try, in order, until one answers OK.
    pub cid_commands: &'static [&'static str],
    /// The one of them the device accepts (the others answer ERROR).
    pub cid_works: &'static str,
    /// Caller-ID lines with spaces round `=` (`NMBR = 555`) or without.
    pub cid_spaces: bool,
    /// Whether `+VSD` (silence detection tuning) works.
    pub has_vsd: bool,
    /// Whether `+VTR` (full duplex) works.
    pub full_duplex: bool,
    /// Whether it cancels line echo when two lines are bridged (none of the modems do).
    pub echo_canceller: bool,
    /// Gateway only: the command that rings the FXS phone, caller ID as argument.
    pub ring_command: Option<&'static str>,
}

impl Profile {
    /// The `+VSM=` command for a codec id.
    pub fn vsm_command(&self, id: u16) -> String {
        format!("AT+VSM={id}{}", self.vsm_params)
    }

    /// The codec to use, from the `+VSM=?` lines: the first preferred id offered.
    pub fn choose_vsm(&self, lines: &[String]) -> Option<u16> {
        let offered: Vec<u16> =
            lines.iter().filter_map(|l| crate::parse::vsm_entry(l)).map(|(id, _)| id).collect();
        self.vsm_prefer.iter().copied().find(|p| offered.contains(p)).or_else(|| {
            // Else the first 8-bit linear one the device names.
            lines
                .iter()
                .filter_map(|l| crate::parse::vsm_entry(l))
                .find(|(_, n)| n.to_ascii_uppercase().contains("8-BIT LINEAR"))
                .map(|(id, _)| id)
        })
    }
}

/// USRobotics USR5637 (and the 5601 chipset family).
pub static USR5637: Profile = Profile {
    id: "usr5637",
    name: "USRobotics USR5637 56K USB",
    kind: DeviceKind::VoiceModem,
    ati: ["5601", "U.S. Robotics 56K FAX USB V1.2.23", "(1.0USR9110\\\\MODEM\\USR5637)"],
    ident: &[(0, "5601")],
    vsm_list: &[
        "0,\"SIGNED PCM\",8,0,(7200,8000,11025),(0),(0)",
        "1,\"UNSIGNED PCM\",8,0,(7200,8000,11025),(0),(0)",
        "128,\"8-BIT LINEAR\",8,0,(7200,8000,11025),(0),(0)",
        "130,\"UNSIGNED PCM\",8,0,(8000),(0),(0)",
        "131,\"G.711 ULAW\",8,0,(8000),(0),(0)",
    ],
    vsm_prefer: &[128],
    vsm_params: ",8000",
    dle: DleStyle::Single,
    cid_commands: &["AT+VCID=1"],
    cid_works: "AT+VCID=1",
    cid_spaces: true,
    has_vsd: true,
    full_duplex: true,
    echo_canceller: false,
    ring_command: None,
};

/// Zoom 3095 and other Conexant CX93001/CX93010 USB modems.
pub static ZOOM3095: Profile = Profile {
    id: "zoom3095",
    name: "Zoom 3095 / Conexant CX93001",
    kind: DeviceKind::VoiceModem,
    ati: ["56000", "CX93001-EIS_V0.2002-V92", "(0.0ZOOM3095\\\\MODEM\\CX93001)"],
    ident: &[(0, "56000")],
    vsm_list: &[
        "0,\"SIGNED PCM\",8,0,8000,0,0",
        "1,\"UNSIGNED PCM\",8,0,8000,0,0",
        "4,\"G711U\",8,0,8000,0,0",
        "5,\"G711A\",8,0,8000,0,0",
        "129,\"IMA ADPCM\",4,0,8000,0,0",
    ],
    vsm_prefer: &[1],
    vsm_params: ",8000,0,0",
    dle: DleStyle::Triple,
    // Conexant answers ERROR to +VCID in some firmware; #CID is the Rockwell form.
    cid_commands: &["AT+VCID=1", "AT#CID=1"],
    cid_works: "AT#CID=1",
    cid_spaces: true,
    has_vsd: false,
    full_duplex: true,
    echo_canceller: false,
    ring_command: None,
};

/// Any modem that follows ITU-T V.253 to the letter.
pub static GENERIC_V253: Profile = Profile {
    id: "v253",
    name: "Generic V.253 voice modem",
    kind: DeviceKind::VoiceModem,
    ati: ["V253", "Generic V.253 voice modem", "(1.0GEN0000\\\\MODEM\\V253)"],
    ident: &[],
    vsm_list: &["1,\"8-BIT LINEAR\",8,0,(8000),(0),(0)", "4,\"G.711 ULAW\",8,0,(8000),(0),(0)"],
    vsm_prefer: &[1, 128],
    vsm_params: ",8000",
    dle: DleStyle::Single,
    cid_commands: &["AT+VCID=1", "AT#CID=1", "AT%CCID=1"],
    cid_works: "AT+VCID=1",
    cid_spaces: false,
    has_vsd: true,
    full_duplex: false,
    echo_canceller: false,
    ring_command: None,
};

/// A serial-controlled FXO/FXS gateway speaking V.253 plus ainsim's `+VRNG`.
pub static GATEWAY: Profile = Profile {
    id: "gateway",
    name: "Serial FXO/FXS gateway (ainsim dialect)",
    kind: DeviceKind::Gateway,
    ati: ["FXSGW", "ainsim serial FXO/FXS gateway", "(1.0AIN0001\\\\GATEWAY\\FXS)"],
    ident: &[(0, "FXSGW")],
    vsm_list: &["1,\"8-BIT LINEAR\",8,0,(8000),(0),(0)"],
    vsm_prefer: &[1],
    vsm_params: ",8000",
    dle: DleStyle::Single,
    cid_commands: &["AT+VCID=1"],
    cid_works: "AT+VCID=1",
    cid_spaces: false,
    has_vsd: true,
    full_duplex: true,
    echo_canceller: true,
    ring_command: Some("AT+VRNG="),
};

/// Every profile, most specific first; the generic one last.
pub static PROFILES: [&Profile; 4] = [&USR5637, &ZOOM3095, &GATEWAY, &GENERIC_V253];

/// The profile named `id` (`usr5637`, `zoom3095`, `v253`, `gateway`).
pub fn by_id(id: &str) -> Option<&'static Profile> {
    PROFILES.iter().copied().find(|p| p.id.eq_ignore_ascii_case(id))
}

/// The profile whose identification matches the `ATI0`/`ATI3`/`ATI9`
/// answers; the generic V.253 one when none does.
pub fn identify(ati: &[String; 3]) -> &'static Profile {
    PROFILES
        .iter()
        .copied()
        .find(|p| {
            !p.ident.is_empty() && p.ident.iter().all(|(n, s)| ati.get(*n).is_some_and(|a| a.contains(s)))
        })
        .unwrap_or(&GENERIC_V253)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_profile_identifies_as_itself_and_picks_its_codec() {
        for p in PROFILES {
            let ati = p.ati.map(str::to_string);
            assert_eq!(identify(&ati).id, p.id);
            let lines: Vec<String> = p.vsm_list.iter().map(|s| (*s).to_string()).collect();
            let id = p.choose_vsm(&lines).expect("a codec");
            assert!(p.vsm_prefer.contains(&id), "{}: {id}", p.id);
        }
        assert_eq!(USR5637.vsm_command(128), "AT+VSM=128,8000");
        assert_eq!(ZOOM3095.vsm_command(1), "AT+VSM=1,8000,0,0");
        let unknown = ["Acme".to_string(), "x".to_string(), "y".to_string()];
        assert_eq!(identify(&unknown).id, "v253");
    }

    #[test]
    fn dle_styles() {
        assert_eq!(DleStyle::Single.end_play(), vec![DLE, ETX]);
        assert_eq!(DleStyle::Triple.end_play(), vec![DLE, DLE, DLE, ETX]);
        assert_eq!(by_id("ZOOM3095").map(|p| p.dle), Some(DleStyle::Triple));
    }
}
