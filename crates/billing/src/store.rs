//! CDRs and tariffs through the [`Store`] trait (sled in real runs,
//! [`ainsim_store::MemStore`] in tests), and [`list`]: the listing with
//! per-business totals that `ainsim cdr` prints and the HTTP front serves.
//!
//! Layout: tree [`CDR_TREE`], keys `RUN/leg/NNNNNNNN` and
//! `RUN/session/NNNNNNNNNNNN` (see [`Record::key`]), values the JSON of a
//! [`Record`]; tree [`TARIFF_TREE`], key [`DEFAULT_TARIFF`] or a business
//! id, values the JSON of a [`Tariff`].
//!
//! What it is not: an index. Listing scans the whole tree and filters.

use ainsim_store::{Store, StoreError, StoreExt};

use crate::cdr::{totals, Record, Tariff, Tariffs, Totals};

/// The tree the records live in.
pub const CDR_TREE: &str = "cdr";
/// The tree of tariffs.
pub const TARIFF_TREE: &str = "tariff";
/// The tariff key for businesses with none of their own.
pub const DEFAULT_TARIFF: &str = "*";

/// Writes `records` and flushes.
///
/// # Errors
/// The store failed.
pub fn save(store: &mut dyn Store, records: &[Record]) -> Result<(), StoreError> {
    for r in records {
        store.put(CDR_TREE, &r.key(), r)?;
    }
    store.flush()
}

/// Sets the tariff of `business` ([`DEFAULT_TARIFF`] for the default).
///
/// # Errors
/// The store failed.
pub fn set_tariff(store: &mut dyn Store, business: &str, tariff: &Tariff) -> Result<(), StoreError> {
    store.put(TARIFF_TREE, business, tariff)?;
    store.flush()
}

/// The stored tariffs ([`Tariff::default`] where none is stored).
///
/// # Errors
/// The store failed, or a stored tariff does not decode.
pub fn tariffs(store: &dyn Store) -> Result<Tariffs, StoreError> {
    let mut t = Tariffs::default();
    for (k, v) in store.scan_prefix::<Tariff>(TARIFF_TREE, "")? {
        if k == DEFAULT_TARIFF {
            t.default = v;
        } else {
            t.business.insert(k, v);
        }
    }
    Ok(t)
}

/// Which records to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Only records billed to this business (its sessions and their legs).
    pub business: Option<String>,
    /// Only records of this run.
    pub run: Option<String>,
}

/// The answer of [`list`]: records in key order (run, then legs before
/// sessions, each in order) and per-business totals.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Listing {
    pub records: Vec<Record>,
    pub totals: Vec<Totals>,
}

/// The records that pass `filter`, with the totals of those records.
///
/// # Errors
/// The store failed, or a stored record or tariff does not decode (the
/// error names the tree and key).
pub fn list(store: &dyn Store, filter: &Filter) -> Result<Listing, StoreError> {
    let prefix = filter.run.as_ref().map(|r| format!("{r}/")).unwrap_or_default();
    let records: Vec<Record> = store
        .scan_prefix::<Record>(CDR_TREE, &prefix)?
        .into_iter()
        .map(|(_, r)| r)
        .filter(|r| filter.business.as_deref().is_none_or(|b| r.business() == Some(b)))
        .collect();
    let totals = totals(&records, &tariffs(store)?);
    Ok(Listing { records, totals })
}

#[cfg(test)]
mod tests {
    use ainsim_store::MemStore;

    use super::*;
    use crate::cdr::{Direction, LegCdr, Outcome};

    fn leg(run: &str, n: u64, business: Option<&str>) -> Record {
        Record::Leg(LegCdr {
            run: run.into(),
            id: format!("leg-{n}"),
            switch: "SSP-A".into(),
            line: "2015550100".into(),
            direction: Direction::Originating,
            from: "2015550100".into(),
            to: "2125550143".into(),
            cic: None,
            business: business.map(Into::into),
            session: None,
            started_us: 0,
            alerting_us: None,
            answered_us: None,
            released_us: Some(1),
            talk_ms: 0,
            duration_ms: 0,
            outcome: Outcome::Busy,
            cause: Some(17),
        })
    }

    #[test]
    fn records_list_in_key_order_filtered_by_business_and_run() {
        let mut s = MemStore::new();
        save(&mut s, &[leg("r2", 10, None), leg("r1", 2, Some("ABC")), leg("r1", 1, None)]).unwrap();
        let all = list(&s, &Filter::default()).unwrap();
        let keys: Vec<String> = all.records.iter().map(Record::key).collect();
        assert_eq!(keys, ["r1/leg/00000001", "r1/leg/00000002", "r2/leg/00000010"]);
        let abc = list(&s, &Filter { business: Some("ABC".into()), run: None }).unwrap();
        assert_eq!(abc.records.len(), 1);
        assert_eq!(abc.totals[0].legs, 1);
        assert_eq!(list(&s, &Filter { business: None, run: Some("r2".into()) }).unwrap().records.len(), 1);
    }

    #[test]
    fn a_record_that_does_not_decode_is_an_error_naming_its_key() {
        let mut s = MemStore::new();
        s.put_raw(CDR_TREE, "r/leg/00000001", b"{\"record\":\"leg\"}").unwrap();
        let e = list(&s, &Filter::default()).unwrap_err().to_string();
        assert!(e.contains("cdr/r/leg/00000001"), "{e}");
    }

    #[test]
    fn tariffs_fall_back_to_the_default() {
        let mut s = MemStore::new();
        let t = Tariff { setup_cents: 0, per_minute_cents: 100, increment_s: 1 };
        set_tariff(&mut s, "ABC", &t).unwrap();
        let all = tariffs(&s).unwrap();
        assert_eq!(all.of("ABC"), t);
        assert_eq!(all.of("XYZ"), Tariff::default());
    }
}
