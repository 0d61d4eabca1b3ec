//! The ABC Travel demo business of the seed's story, ready made for
//! `ainsim demo`, `ainsim serve` and tests: its settings (business `ABC`,
//! password `cruise-2027`, as in the default topology), its two
//! representatives (the cruise expert at 2125550142; the flights expert at
//! 2125550143 in the office, on the mobile 9175550123 when at home), its
//! two pages and a shopper's request from the cruise page.
//!
//! What it is not: a fixture the library depends on; nothing else uses it.

use std::collections::BTreeMap;

use crate::acd::AcdConfig;
use crate::model::{Contact, Location, PageContext, PageInfo, Representative, WebCallRequest};
use crate::server::BusinessConfig;

/// The shopper of the story.
pub const SHOPPER: &str = "2015550100";

/// ABC Travel's settings toward the access server at `equipment`.
pub fn config(equipment: &str, unix_time_at_start: u64, seed: u64) -> BusinessConfig {
    BusinessConfig {
        business: "ABC".into(),
        password: "cruise-2027".into(),
        equipment: equipment.into(),
        server: "abc-travel.example".into(),
        unix_time_at_start,
        seed,
        acd: AcdConfig::default(),
    }
}

/// The cruise expert (office 2125550142) and the flights expert (office
/// 2125550143, mobile 9175550123 when `flights_at_home`).
pub fn representatives(flights_at_home: bool) -> Vec<Representative> {
    let skills = |l: &[(&str, u8)]| l.iter().map(|(s, n)| ((*s).to_owned(), *n)).collect::<BTreeMap<_, _>>();
    vec![
        Representative {
            id: "cruise-1".into(),
            name: "Carla Cruz".into(),
            office: Some(Contact::Phone("2125550142".into())),
            home: None,
            location: Location::Office,
            skills: skills(&[("cruise", 1), ("flights", 3)]),
        },
        Representative {
            id: "flights-1".into(),
            name: "Frank Flyer".into(),
            office: Some(Contact::Phone("2125550143".into())),
            home: Some(Contact::Phone("9175550123".into())),
            location: if flights_at_home { Location::Home } else { Location::Office },
            skills: skills(&[("flights", 1), ("cruise", 3)]),
        },
    ]
}

/// The cruise page (it asks for the `cruise` skill).
pub fn cruise_page() -> PageInfo {
    PageInfo { url: "/cruises".into(), title: "Caribbean cruises".into(), skill: Some("cruise".into()) }
}

/// The flights page (it asks for the `flights` skill).
pub fn flights_page() -> PageInfo {
    PageInfo { url: "/flights".into(), title: "Flights".into(), skill: Some("flights".into()) }
}

/// The story's Fig. 7 request: the shopper on the cruise page, having
/// looked at flights first, asks to be called now.
pub fn cruise_request() -> WebCallRequest {
    WebCallRequest {
        server: "abc-travel.example".into(),
        customer_number: Some(SHOPPER.into()),
        page: PageContext { page: cruise_page(), recently_viewed: vec![flights_page()] },
        desired_contact_time: None,
        note: "Is there a cabin with a balcony?".into(),
        customer_id: None,
    }
}
