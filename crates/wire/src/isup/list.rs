//! The parameters of an ISUP message with a format: the mandatory part and
//! the optional part in one list.
//!
//! One list, not two: parsing a message then costs one allocation, not one
//! per part (an ACM's two lists were two thirds of its `parse`; see
//! docs/decisions.md "One list for an ISUP message's two parts").

use serde::ser::SerializeStruct;

use super::Parameter;

/// Mandatory parameters (fixed then variable, in table order) followed by
/// the optional part, if the message has one.
///
/// "No optional part" (the pointer is 0, or the message allows none) and
/// "an empty optional part" (the pointer leads straight to the
/// end-of-optional-parameters octet) are different messages on the wire and
/// different values here: [`optional`](Self::optional) is `None` for the
/// first and `Some(&[])` for the second.
///
/// Serialized as `{"mandatory": [...], "optional": [...] | null}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(from = "Parts")]
pub struct ParameterList {
    /// `mandatory` parameters, then the optional ones.
    pub(super) list: Vec<Parameter>,
    /// How many of `list` are mandatory.
    pub(super) mandatory: u32,
    /// Whether there is an optional part (when false, `list` holds the
    /// mandatory parameters only).
    pub(super) optional: bool,
}

/// The serialized shape.
#[derive(serde::Deserialize)]
struct Parts {
    mandatory: Vec<Parameter>,
    optional: Option<Vec<Parameter>>,
}

impl From<Parts> for ParameterList {
    fn from(p: Parts) -> Self {
        ParameterList::new(p.mandatory, p.optional)
    }
}

impl serde::Serialize for ParameterList {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("ParameterList", 2)?;
        st.serialize_field("mandatory", self.mandatory())?;
        st.serialize_field("optional", &self.optional())?;
        st.end()
    }
}

impl ParameterList {
    /// No parameter and no optional part.
    pub const fn empty() -> Self {
        ParameterList { list: Vec::new(), mandatory: 0, optional: false }
    }

    /// The list of `mandatory` and, if any, the `optional` part.
    pub fn new(mut mandatory: Vec<Parameter>, optional: Option<Vec<Parameter>>) -> Self {
        let n = mandatory.len();
        let has = optional.is_some();
        if let Some(o) = optional {
            mandatory.extend(o);
        }
        ParameterList { list: mandatory, mandatory: count(n), optional: has }
    }

    /// The list with room for `n` parameters, none yet, no optional part.
    pub fn with_capacity(n: usize) -> Self {
        ParameterList { list: Vec::with_capacity(n), mandatory: 0, optional: false }
    }

    fn split(&self) -> usize {
        self.mandatory as usize
    }

    /// The mandatory parameters: fixed, then variable.
    pub fn mandatory(&self) -> &[Parameter] {
        self.list.get(..self.split()).unwrap_or_default()
    }

    /// The mandatory parameters, to change in place.
    pub fn mandatory_mut(&mut self) -> &mut [Parameter] {
        let at = self.split();
        self.list.get_mut(..at).unwrap_or_default()
    }

    /// The optional part: `None` when there is none.
    pub fn optional(&self) -> Option<&[Parameter]> {
        if self.optional {
            self.list.get(self.split()..)
        } else {
            None
        }
    }

    /// The optional part, to change in place.
    pub fn optional_mut(&mut self) -> Option<&mut [Parameter]> {
        let at = self.split();
        if self.optional {
            self.list.get_mut(at..)
        } else {
            None
        }
    }

    /// Every parameter in wire order: mandatory, then optional.
    pub fn all(&self) -> &[Parameter] {
        &self.list
    }

    /// Removes every parameter and the optional part, keeping the room.
    pub fn clear(&mut self) {
        self.list.clear();
        self.mandatory = 0;
        self.optional = false;
    }

    /// Appends a mandatory parameter (after the other mandatory ones,
    /// before the optional part).
    pub fn push_mandatory(&mut self, p: Parameter) {
        self.list.insert(self.split(), p);
        self.mandatory += 1;
    }

    /// Appends an optional parameter, opening the optional part if there
    /// was none.
    pub fn push_optional(&mut self, p: Parameter) {
        self.optional = true;
        self.list.push(p);
    }

    /// Replaces the optional part: `None` removes it, `Some(vec![])` makes
    /// it empty.
    pub fn set_optional(&mut self, optional: Option<Vec<Parameter>>) {
        self.list.truncate(self.split());
        self.optional = optional.is_some();
        if let Some(o) = optional {
            self.list.extend(o);
        }
    }

    /// Opens an empty optional part if there is none.
    pub fn open_optional(&mut self) {
        self.optional = true;
    }

    /// Keeps the optional parameters for which `keep` is true (the part
    /// itself stays, perhaps empty).
    pub fn retain_optional(&mut self, mut keep: impl FnMut(&Parameter) -> bool) {
        let at = self.split();
        let mut i = 0;
        self.list.retain(|p| {
            i += 1;
            i <= at || keep(p)
        });
    }

    /// The mandatory parameters and the optional part, as two vectors.
    pub fn into_parts(mut self) -> (Vec<Parameter>, Option<Vec<Parameter>>) {
        let opt = self.list.split_off(self.split());
        (self.list, self.optional.then_some(opt))
    }
}

/// A mandatory count as stored: a message has at most a dozen mandatory
/// parameters (a format's table), a hand-built one perhaps more; past
/// `u32::MAX` is not a value a `Vec` of 48-byte parameters can reach.
pub(super) fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
