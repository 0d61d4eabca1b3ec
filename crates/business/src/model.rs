//! The business web server's records: customers, orders, representatives,
//! call requests (the seed's Figs. 7 and 9) and what came of a call (Fig. 6
//! steps 612–616), as serde types with their checks.
//!
//! Contract: every `validate` names the first bad field (`customer_number`,
//! `page.url`, `skills.cruise`, …) and why; nothing here panics on input.
//! JSON shapes are shown on each type and tested below.
//!
//! What it is not: storage (see [`crate::server`]) or the ACD (see
//! [`crate::acd`]).

use std::collections::BTreeMap;

/// The longest number accepted (E.164: 15 digits), as the access server.
pub const MAX_DIGITS: usize = ainsim_elements::access::MAX_DIGITS;
/// The shortest number accepted, as the access server.
pub const MIN_DIGITS: usize = ainsim_elements::access::MIN_DIGITS;
/// The most recently viewed pages kept per customer and per request.
pub const MAX_RECENT_PAGES: usize = 20;
/// The longest free text (a note, a complaint, a name) accepted, in bytes.
pub const MAX_TEXT: usize = 2000;

/// A field that failed its check: which one, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
#[error("{field}: {why}")]
pub struct InvalidField {
    /// The field's path in the JSON (`page.recently_viewed[2].url`).
    pub field: String,
    /// What is wrong with it.
    pub why: String,
}

impl InvalidField {
    /// `field` is bad because `why`.
    pub fn new(field: impl Into<String>, why: impl Into<String>) -> Self {
        InvalidField { field: field.into(), why: why.into() }
    }
}

type Checked = Result<(), InvalidField>;

/// Checks a telephone number: 3 to 15 ASCII digits.
///
/// # Errors
/// Names `field` and says what is wrong.
pub fn check_number(field: &str, number: &str) -> Checked {
    if number.is_empty() {
        return Err(InvalidField::new(field, "is empty"));
    }
    if let Some(c) = number.chars().find(|c| !c.is_ascii_digit()) {
        return Err(InvalidField::new(field, format!("{c:?} is not a digit")));
    }
    match number.len() {
        n if n < MIN_DIGITS => Err(InvalidField::new(field, format!("{n} digits, fewer than {MIN_DIGITS}"))),
        n if n > MAX_DIGITS => {
            Err(InvalidField::new(field, format!("{n} digits, more than {MAX_DIGITS} (E.164)")))
        }
        _ => Ok(()),
    }
}

fn check_text(field: &str, text: &str, required: bool) -> Checked {
    if required && text.trim().is_empty() {
        return Err(InvalidField::new(field, "is empty"));
    }
    if text.len() > MAX_TEXT {
        return Err(InvalidField::new(field, format!("{} bytes, more than {MAX_TEXT}", text.len())));
    }
    Ok(())
}

fn check_id(field: &str, id: &str) -> Checked {
    if id.is_empty() {
        return Err(InvalidField::new(field, "is empty"));
    }
    if id.len() > 64 {
        return Err(InvalidField::new(field, format!("{} bytes, more than 64", id.len())));
    }
    if let Some(c) = id.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))) {
        return Err(InvalidField::new(field, format!("{c:?} is not a letter, digit, '-', '_' or '.'")));
    }
    Ok(())
}

/// A page of the shop, as the browser describes it.
///
/// ```json
/// {"url": "/cruises", "title": "Caribbean cruises", "skill": "cruise"}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageInfo {
    pub url: String,
    #[serde(default)]
    pub title: String,
    /// The expertise the page asks for (the cruise page wants `cruise`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skill: Option<String>,
}

impl PageInfo {
    /// # Errors
    /// An empty or overlong url or title, or a bad skill name.
    pub fn validate(&self, field: &str) -> Checked {
        check_text(&format!("{field}.url"), &self.url, true)?;
        check_text(&format!("{field}.title"), &self.title, false)?;
        if let Some(s) = &self.skill {
            check_id(&format!("{field}.skill"), s)?;
        }
        Ok(())
    }
}

/// The page a request comes from, with the pages viewed before it.
///
/// ```json
/// {"page": {"url": "/cruises", "title": "Cruises", "skill": "cruise"},
///  "recently_viewed": [{"url": "/flights", "title": "Flights"}]}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageContext {
    pub page: PageInfo,
    #[serde(default)]
    pub recently_viewed: Vec<PageInfo>,
}

impl PageContext {
    /// # Errors
    /// A bad page, or more than [`MAX_RECENT_PAGES`] recent pages.
    pub fn validate(&self, field: &str) -> Checked {
        self.page.validate(&format!("{field}.page"))?;
        if self.recently_viewed.len() > MAX_RECENT_PAGES {
            return Err(InvalidField::new(
                format!("{field}.recently_viewed"),
                format!("{} pages, more than {MAX_RECENT_PAGES}", self.recently_viewed.len()),
            ));
        }
        for (i, p) in self.recently_viewed.iter().enumerate() {
            p.validate(&format!("{field}.recently_viewed[{i}]"))?;
        }
        Ok(())
    }
}

/// A customer of the shop, keyed by number.
///
/// ```json
/// {"number": "2015550100", "id": "cust-17", "name": "Pat Shopper",
///  "priority": 0, "recently_viewed": []}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Customer {
    pub number: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default)]
    pub name: String,
    /// Caller priority in the ACD queue: higher is served first. Set by
    /// the business (a VIP), never taken from a request.
    #[serde(default)]
    pub priority: u8,
    /// The latest pages the customer viewed, newest last.
    #[serde(default)]
    pub recently_viewed: Vec<PageInfo>,
}

impl Customer {
    /// A customer known only by number.
    pub fn new(number: impl Into<String>) -> Self {
        Customer {
            number: number.into(),
            id: None,
            name: String::new(),
            priority: 0,
            recently_viewed: Vec::new(),
        }
    }

    /// # Errors
    /// A bad number, id, name or page.
    pub fn validate(&self) -> Checked {
        check_number("number", &self.number)?;
        if let Some(id) = &self.id {
            check_id("id", id)?;
        }
        check_text("name", &self.name, false)?;
        for (i, p) in self.recently_viewed.iter().enumerate() {
            p.validate(&format!("recently_viewed[{i}]"))?;
        }
        Ok(())
    }

    /// Remembers `pages` (oldest first), keeping the newest [`MAX_RECENT_PAGES`].
    pub fn viewed(&mut self, pages: impl IntoIterator<Item = PageInfo>) {
        for p in pages {
            self.recently_viewed.retain(|q| q.url != p.url);
            self.recently_viewed.push(p);
        }
        let extra = self.recently_viewed.len().saturating_sub(MAX_RECENT_PAGES);
        self.recently_viewed.drain(..extra);
    }
}

/// One line of an order.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderLine {
    pub item: String,
    #[serde(default = "one")]
    pub quantity: u32,
    /// Price of one item in cents.
    #[serde(default)]
    pub unit_price_cents: u64,
}

fn one() -> u32 {
    1
}

/// An order taken by a representative on a call (Fig. 6 step 614).
///
/// ```json
/// {"id": 1, "customer": "2015550100", "representative": "cruise-1",
///  "call": 1, "lines": [{"item": "7-night Caribbean cruise", "quantity": 2,
///  "unit_price_cents": 129900}]}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Order {
    pub id: u64,
    pub customer: String,
    pub representative: String,
    pub call: u64,
    pub lines: Vec<OrderLine>,
}

impl Order {
    /// The order's total in cents (saturating).
    pub fn total_cents(&self) -> u64 {
        self.lines
            .iter()
            .fold(0u64, |t, l| t.saturating_add(l.unit_price_cents.saturating_mul(u64::from(l.quantity))))
    }
}

/// How to reach a representative: a telephone number, or for voice over
/// IP a SIP URI or an IP address (the seed: "replaced with IP addresses").
///
/// ```json
/// {"phone": "2125550142"}   {"sip": "sip:carla@abc.example"}   {"ip": "192.0.2.7"}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Contact {
    Phone(String),
    Sip(String),
    Ip(std::net::IpAddr),
}

impl Contact {
    /// The string put in a call initiation message.
    pub fn address(&self) -> String {
        match self {
            Contact::Phone(n) | Contact::Sip(n) => n.clone(),
            Contact::Ip(a) => a.to_string(),
        }
    }

    fn validate(&self, field: &str) -> Checked {
        match self {
            Contact::Phone(n) => check_number(&format!("{field}.phone"), n),
            Contact::Sip(u) => {
                let f = format!("{field}.sip");
                check_text(&f, u, true)?;
                match u.strip_prefix("sip:").or_else(|| u.strip_prefix("sips:")) {
                    Some(rest) if !rest.is_empty() => Ok(()),
                    _ => Err(InvalidField::new(f, "does not start with sip: or sips:")),
                }
            }
            Contact::Ip(_) => Ok(()),
        }
    }
}

/// Where a representative works today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Location {
    #[default]
    Office,
    Home,
}

/// A representative's status, as the ACD and the console see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    #[default]
    LoggedOut,
    Available,
    OnBreak,
    /// After a call, for the configured wrap-up time (or set by hand).
    WrapUp,
    /// Ringing or talking: the ACD gave them a call.
    OnCall,
    /// Set by the ACD after too many missed calls, or by hand.
    Away,
}

/// A customer service representative.
///
/// `skills` maps a skill to a level: 1 is the expert, 2 can help, 3 knows
/// a little. The number dialled is the contact for `location`, or the
/// other one when that is missing.
///
/// ```json
/// {"id": "flights-1", "name": "Frank Flyer", "office": {"phone": "2125550143"},
///  "home": {"phone": "9175550123"}, "location": "office", "skills": {"flights": 1}}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Representative {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub office: Option<Contact>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home: Option<Contact>,
    #[serde(default)]
    pub location: Location,
    #[serde(default)]
    pub skills: BTreeMap<String, u8>,
}

impl Representative {
    /// # Errors
    /// A bad id, name, contact or skill, or no contact at all.
    pub fn validate(&self) -> Checked {
        check_id("id", &self.id)?;
        check_text("name", &self.name, false)?;
        if let Some(c) = &self.office {
            c.validate("office")?;
        }
        if let Some(c) = &self.home {
            c.validate("home")?;
        }
        if self.office.is_none() && self.home.is_none() {
            return Err(InvalidField::new("office", "neither office nor home contact is given"));
        }
        for (s, level) in &self.skills {
            check_id(&format!("skills.{s}"), s)?;
            if !(1..=9).contains(level) {
                return Err(InvalidField::new(format!("skills.{s}"), format!("level {level} is not 1 to 9")));
            }
        }
        Ok(())
    }

    /// The contact to dial now.
    pub fn contact(&self) -> Option<&Contact> {
        match self.location {
            Location::Office => self.office.as_ref().or(self.home.as_ref()),
            Location::Home => self.home.as_ref().or(self.office.as_ref()),
        }
    }
}

/// Fig. 7: a call request sent by the shop page to the business web server.
///
/// `desired_contact_time` is Unix seconds (UTC); absent or past means now.
/// `customer_number` may be left out when `customer_id` names a customer
/// whose number the server has.
///
/// ```json
/// {"server": "https://abc-travel.example/call", "customer_number": "2015550100",
///  "page": {"page": {"url": "/cruises", "title": "Cruises", "skill": "cruise"},
///           "recently_viewed": []},
///  "desired_contact_time": null, "note": "Cabins with a balcony?", "customer_id": null}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebCallRequest {
    pub server: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_number: Option<String>,
    pub page: PageContext,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desired_contact_time: Option<u64>,
    #[serde(default)]
    pub note: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
}

impl WebCallRequest {
    /// # Errors
    /// The first bad field; a request with neither number nor id names
    /// `customer_number`.
    pub fn validate(&self) -> Checked {
        check_text("server", &self.server, true)?;
        match (&self.customer_number, &self.customer_id) {
            (Some(n), _) => check_number("customer_number", n)?,
            (None, Some(_)) => {}
            (None, None) => {
                return Err(InvalidField::new("customer_number", "neither a number nor a customer id"))
            }
        }
        if let Some(id) = &self.customer_id {
            check_id("customer_id", id)?;
        }
        self.page.validate("page")?;
        check_text("note", &self.note, false)
    }
}

/// Fig. 9: a call request sent by the page straight to the network's
/// calling equipment, with the representative named by the page.
///
/// ```json
/// {"equipment": "https://ias.telco.example/click", "business": "abc-travel",
///  "page": {"page": {"url": "/cruises", "title": "Cruises", "skill": "cruise"}},
///  "customer_number": "2015550100", "representative": "cruise-1",
///  "desired_contact_time": null}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EquipmentCallRequest {
    pub equipment: String,
    pub business: String,
    pub page: PageContext,
    pub customer_number: String,
    /// The representative (or, with no such id, the skill) the page asks for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub representative: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desired_contact_time: Option<u64>,
}

impl EquipmentCallRequest {
    /// # Errors
    /// The first bad field.
    pub fn validate(&self) -> Checked {
        check_text("equipment", &self.equipment, true)?;
        check_id("business", &self.business)?;
        self.page.validate("page")?;
        check_number("customer_number", &self.customer_number)?;
        if let Some(r) = &self.representative {
            check_id("representative", r)?;
        }
        Ok(())
    }
}

/// What came of a call, sent back by the representative's console
/// (Fig. 6 steps 612–616).
///
/// ```json
/// {"kind": "order", "lines": [{"item": "Cruise", "quantity": 1, "unit_price_cents": 99900}]}
/// {"kind": "complaint", "text": "The ship was late."}
/// {"kind": "note", "text": "Will call back about dates."}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", deny_unknown_fields)]
pub enum CallResult {
    Order { lines: Vec<OrderLine> },
    Complaint { text: String },
    Note { text: String },
}

impl CallResult {
    /// # Errors
    /// An order with no lines or a bad line; empty or overlong text.
    pub fn validate(&self) -> Checked {
        match self {
            CallResult::Order { lines } => {
                if lines.is_empty() {
                    return Err(InvalidField::new("lines", "an order needs at least one line"));
                }
                for (i, l) in lines.iter().enumerate() {
                    check_text(&format!("lines[{i}].item"), &l.item, true)?;
                    if l.quantity == 0 {
                        return Err(InvalidField::new(format!("lines[{i}].quantity"), "is zero"));
                    }
                }
                Ok(())
            }
            CallResult::Complaint { text } | CallResult::Note { text } => check_text("text", text, true),
        }
    }
}

/// A call result as recorded, with the call it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CallRecord {
    pub call: u64,
    pub customer: String,
    pub representative: String,
    /// Unix seconds when it was recorded.
    pub at: u64,
    pub result: CallResult,
    /// The order created from it, if it was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field<T>(r: Result<T, InvalidField>) -> String {
        r.err().map(|e| e.field).unwrap_or_default()
    }

    #[test]
    fn a_fig7_request_from_the_cruise_page_reads_and_checks() {
        let json = r#"{"server": "https://abc-travel.example/call", "customer_number": "2015550100",
            "page": {"page": {"url": "/cruises", "title": "Cruises", "skill": "cruise"},
                     "recently_viewed": [{"url": "/flights", "title": "Flights"}]},
            "desired_contact_time": null, "note": "Cabins with a balcony?"}"#;
        let r: WebCallRequest = serde_json::from_str(json).expect("parses");
        assert_eq!(r.page.page.skill.as_deref(), Some("cruise"));
        assert_eq!(r.validate(), Ok(()));
    }

    #[test]
    fn bad_requests_name_their_field() {
        let mut r = WebCallRequest {
            server: "s".into(),
            customer_number: Some("20155501x0".into()),
            page: PageContext {
                page: PageInfo { url: "/c".into(), title: String::new(), skill: None },
                recently_viewed: vec![],
            },
            desired_contact_time: None,
            note: String::new(),
            customer_id: None,
        };
        assert_eq!(field(r.validate()), "customer_number");
        r.customer_number = Some("2015550100".into());
        r.page.recently_viewed.push(PageInfo { url: String::new(), title: String::new(), skill: None });
        assert_eq!(field(r.validate()), "page.recently_viewed[0].url");
        r.page.recently_viewed.clear();
        r.page.page.skill = Some("cruise ships".into());
        assert_eq!(field(r.validate()), "page.page.skill");
        r.page.page.skill = None;
        r.customer_number = None;
        assert_eq!(field(r.validate()), "customer_number");
    }

    #[test]
    fn a_fig9_request_names_the_representative_from_the_page() {
        let json = r#"{"equipment": "https://ias.telco.example/click", "business": "abc-travel",
            "page": {"page": {"url": "/cruises", "title": "Cruises", "skill": "cruise"}},
            "customer_number": "2015550100", "representative": "cruise-1"}"#;
        let r: EquipmentCallRequest = serde_json::from_str(json).expect("parses");
        assert_eq!(r.validate(), Ok(()));
        let bad = EquipmentCallRequest { customer_number: "12".into(), ..r };
        assert_eq!(
            bad.validate().map_err(|e| e.to_string()),
            Err("customer_number: 2 digits, fewer than 3".into())
        );
    }

    #[test]
    fn a_representative_at_home_is_called_on_the_mobile() {
        let json = r#"{"id": "flights-1", "name": "Frank Flyer", "office": {"phone": "2125550143"},
            "home": {"phone": "9175550123"}, "location": "home", "skills": {"flights": 1}}"#;
        let r: Representative = serde_json::from_str(json).expect("parses");
        assert_eq!(r.validate(), Ok(()));
        assert_eq!(r.contact().map(Contact::address).as_deref(), Some("9175550123"));
        let sip: Contact = serde_json::from_str(r#"{"sip": "sip:carla@abc.example"}"#).expect("parses");
        assert_eq!(sip.address(), "sip:carla@abc.example");
        let mut bad = r.clone();
        bad.skills.insert("cruise".into(), 0);
        assert_eq!(field(bad.validate()), "skills.cruise");
        bad.skills.clear();
        bad.office = None;
        bad.home = None;
        assert_eq!(field(bad.validate()), "office");
        assert!(
            serde_json::from_str::<Representative>(r#"{"id": "x", "phone": "1"}"#).is_err(),
            "unknown field"
        );
    }

    #[test]
    fn call_results_read_as_the_console_sends_them() {
        let o: CallResult = serde_json::from_str(
            r#"{"kind": "order", "lines": [{"item": "Cruise", "unit_price_cents": 99900}]}"#,
        )
        .expect("parses");
        assert_eq!(o.validate(), Ok(()));
        let c: CallResult = serde_json::from_str(r#"{"kind": "complaint", "text": ""}"#).expect("parses");
        assert_eq!(field(c.validate()), "text");
        let e = CallResult::Order { lines: vec![] };
        assert_eq!(field(e.validate()), "lines");
    }

    proptest::proptest! {
        /// Whatever the shop or the console sends, reading and checking it
        /// never panics, and a checked request's number is digits only.
        #[test]
        fn reading_and_checking_any_bytes_never_panics(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200)) {
            if let Ok(r) = serde_json::from_slice::<WebCallRequest>(&bytes) {
                if r.validate().is_ok() {
                    proptest::prop_assert!(r.customer_number.iter().all(|n| n.bytes().all(|b| b.is_ascii_digit())));
                }
            }
            if let Ok(r) = serde_json::from_slice::<EquipmentCallRequest>(&bytes) {
                let _ = r.validate();
            }
            if let Ok(r) = serde_json::from_slice::<Representative>(&bytes) {
                let _ = r.validate();
            }
            if let Ok(r) = serde_json::from_slice::<CallResult>(&bytes) {
                let _ = r.validate();
            }
            let text = String::from_utf8_lossy(&bytes);
            let _ = check_number("n", &text);
            let mut c = Customer::new(text.clone());
            c.viewed([PageInfo { url: text.into_owned(), title: String::new(), skill: None }]);
            let _ = c.validate();
        }
    }

    #[test]
    fn a_customer_remembers_the_newest_pages_once_each() {
        let mut c = Customer::new("2015550100");
        let page = |u: &str| PageInfo { url: u.into(), title: String::new(), skill: None };
        c.viewed([page("/a"), page("/b"), page("/a")]);
        let urls: Vec<_> = c.recently_viewed.iter().map(|p| p.url.as_str()).collect();
        assert_eq!(urls, ["/b", "/a"]);
        c.viewed((0..30).map(|i| page(&format!("/p{i}"))));
        assert_eq!(c.recently_viewed.len(), MAX_RECENT_PAGES);
        assert_eq!(c.recently_viewed.last().map(|p| p.url.as_str()), Some("/p29"));
    }
}

/// The screen pop the network's access server posts to the business's web
/// server when its own ACD (Fig. 9) has picked a representative: who was
/// picked, the customer's number and the pages they were viewing. The
/// web server shows it on that representative's console.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkPop {
    pub business: String,
    /// The click-to-call session at the access server (its request id),
    /// once the call instruction is sent; none while the call waits.
    #[serde(default)]
    pub request_id: Option<u64>,
    /// The representative's id, as the business registered it.
    pub representative: String,
    /// The customer's number as the network dials it.
    pub customer_number: String,
    pub page: PageContext,
}

impl NetworkPop {
    /// # Errors
    /// The first bad field.
    pub fn validate(&self) -> Checked {
        check_id("business", &self.business)?;
        check_id("representative", &self.representative)?;
        check_number("customer_number", &self.customer_number)?;
        self.page.validate("page")
    }
}
