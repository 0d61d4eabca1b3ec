//! `POST /api/screen-pops`: the screen pop the network's access server
//! posts when its own ACD (the seed's Fig. 9 path) has picked one of this
//! business's representatives.
//!
//! The request is signed by the access server with the business's own
//! HMAC-SHA256 key, the same scheme the business signs its requests to the
//! access server with (docs/api.md, "Signing"): `X-Ainsim-Business`,
//! `X-Ainsim-Timestamp` (Unix seconds, within ±[`MAX_SKEW_S`] of this
//! server's wall clock), `X-Ainsim-Nonce` (1–64 printable ASCII, never
//! twice within the window) and `X-Ainsim-Signature` (hex HMAC of
//! `POST\nPATH\nTIMESTAMP\nNONCE\nhex(sha256(body))`). Only then is the
//! body ([`ainsim_business::NetworkPop`]) read; the business server takes
//! the call as one of its own ([`ainsim_business::BusinessServer::network_call`])
//! and the representative's console gets the `pop` event on its usual
//! stream, with `"via": "network"` and the session's `request_id`.
//!
//! Answers: 202 `{"call": N}`; 401 `bad_signature` / `stale_timestamp` /
//! `unknown_business`, 400 `missing_header` or a bad field, 409
//! `replayed_nonce`, 404 an unknown representative, 403 when the server
//! takes no network pops ([`crate::WebState::accept_network_pops`]).
//!
//! What it is not: a place the network's pops are stored durably (the pop
//! lives until the representative posts a result, like any pop), or a
//! queue for a console that is not open (the pop is replayed when it opens).

use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::Json;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use ainsim_business::NetworkPop;

use crate::api::ApiError;
use crate::{lock, WebState};

/// Largest distance between a pop's timestamp and now, seconds.
pub const MAX_SKEW_S: u64 = 300;

/// Who may pop consoles here, and the nonces seen in the skew window.
pub(crate) struct PopAuth {
    pub(crate) business: String,
    pub(crate) key: Vec<u8>,
    /// Nonce → its timestamp; dropped once outside twice the window.
    pub(crate) nonces: HashMap<String, u64>,
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

fn refuse(status: StatusCode, field: &str, error: String) -> ApiError {
    ApiError::new(status, Some(field), error)
}

/// Checks the signature headers of a pop against `auth`; records the nonce.
fn authenticate(
    auth: &mut PopAuth,
    headers: &HeaderMap,
    path: &str,
    body: &[u8],
    now: u64,
) -> Result<(), ApiError> {
    let header = |h: &str| headers.get(h).and_then(|v| v.to_str().ok());
    let missing =
        |h: &str| refuse(StatusCode::BAD_REQUEST, h, format!("missing_header: {h} is missing or not valid"));
    let business = header("x-ainsim-business").ok_or_else(|| missing("x-ainsim-business"))?;
    let ts: u64 = header("x-ainsim-timestamp")
        .and_then(|t| t.parse().ok())
        .ok_or_else(|| missing("x-ainsim-timestamp"))?;
    let nonce = header("x-ainsim-nonce")
        .filter(|n| (1..=64).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_graphic()))
        .ok_or_else(|| missing("x-ainsim-nonce"))?;
    let signature = header("x-ainsim-signature").ok_or_else(|| missing("x-ainsim-signature"))?;
    if business != auth.business {
        return Err(refuse(
            StatusCode::UNAUTHORIZED,
            "x-ainsim-business",
            format!("unknown_business: pops are taken for {:?} only, not {business:?}", auth.business),
        ));
    }
    if ts.abs_diff(now) > MAX_SKEW_S {
        return Err(refuse(
            StatusCode::UNAUTHORIZED,
            "x-ainsim-timestamp",
            format!("stale_timestamp: {ts} is more than {MAX_SKEW_S} s away from now ({now})"),
        ));
    }
    let signed = format!("POST\n{path}\n{ts}\n{nonce}\n{}", hex::encode(Sha256::digest(body)));
    let ok = hex::decode(signature).is_ok_and(|given| {
        <Hmac<Sha256> as Mac>::new_from_slice(&auth.key).is_ok_and(|mut mac| {
            mac.update(signed.as_bytes());
            mac.verify_slice(&given).is_ok()
        })
    });
    if !ok {
        return Err(refuse(
            StatusCode::UNAUTHORIZED,
            "x-ainsim-signature",
            "bad_signature: the signature does not match".into(),
        ));
    }
    auth.nonces.retain(|_, seen| seen.abs_diff(now) <= 2 * MAX_SKEW_S);
    if auth.nonces.insert(nonce.to_owned(), ts).is_some() {
        return Err(refuse(
            StatusCode::CONFLICT,
            "x-ainsim-nonce",
            format!("replayed_nonce: nonce {nonce:?} was already used"),
        ));
    }
    Ok(())
}

/// The handler (see the module docs).
pub(crate) async fn screen_pop(
    State(st): State<WebState>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    let bytes: Bytes = axum::body::to_bytes(body, crate::MAX_BODY).await.map_err(|_| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            Some("body"),
            format!("body is larger than {} bytes", crate::MAX_BODY),
        )
    })?;
    {
        let mut auth = lock(&st.inner.pop_auth);
        let Some(auth) = auth.as_mut() else {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                None,
                "not_enabled: this server takes no screen pops from the network",
            ));
        };
        authenticate(auth, &headers, uri.path(), &bytes, unix_now())?;
    }
    let de = &mut serde_json::Deserializer::from_slice(&bytes);
    let pop: NetworkPop = serde_path_to_error::deserialize(de).map_err(|e| {
        let field = e.path().to_string();
        let field = if field == "." { "body".to_owned() } else { field };
        ApiError::new(StatusCode::BAD_REQUEST, Some(&field), format!("{field}: {}", e.into_inner()))
    })?;
    pop.validate().map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, Some(&e.field), e.to_string()))?;
    let screen = st.with_server(|s, _| {
        s.network_call(&pop.representative, &pop.customer_number, &pop.page, String::new())
    })?;
    let call = screen.call.0;
    st.network_pop(screen, pop.request_id);
    Ok((StatusCode::ACCEPTED, Json(serde_json::json!({"call": call}))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed(key: &[u8], ts: u64, nonce: &str, body: &[u8]) -> HeaderMap {
        let s = format!("POST\n/api/screen-pops\n{ts}\n{nonce}\n{}", hex::encode(Sha256::digest(body)));
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap();
        mac.update(s.as_bytes());
        let mut h = HeaderMap::new();
        h.insert("x-ainsim-business", "ABC".parse().unwrap());
        h.insert("x-ainsim-timestamp", ts.to_string().parse().unwrap());
        h.insert("x-ainsim-nonce", nonce.parse().unwrap());
        h.insert("x-ainsim-signature", hex::encode(mac.finalize().into_bytes()).parse().unwrap());
        h
    }

    #[test]
    fn only_a_fresh_pop_signed_with_the_business_key_passes() {
        let mut auth = PopAuth { business: "ABC".into(), key: b"k".to_vec(), nonces: HashMap::new() };
        let now = 1_800_000_000;
        let body = br#"{"x":1}"#;
        let check = |auth: &mut PopAuth, h: &HeaderMap, body: &[u8]| {
            authenticate(auth, h, "/api/screen-pops", body, now).map_err(|e| (e.status.as_u16(), e.error))
        };
        assert_eq!(check(&mut auth, &signed(b"k", now, "n1", body), body), Ok(()));
        // The same nonce again: a replay.
        let e = check(&mut auth, &signed(b"k", now, "n1", body), body).unwrap_err();
        assert_eq!(e.0, 409, "{e:?}");
        // Another key, another body, an old timestamp, another business.
        assert_eq!(check(&mut auth, &signed(b"other", now, "n2", body), body).unwrap_err().0, 401);
        assert_eq!(check(&mut auth, &signed(b"k", now, "n3", body), b"{}").unwrap_err().0, 401);
        let e = check(&mut auth, &signed(b"k", now - 301, "n4", body), body).unwrap_err();
        assert!(e.1.starts_with("stale_timestamp"), "{e:?}");
        let mut h = signed(b"k", now, "n5", body);
        h.insert("x-ainsim-business", "XYZ".parse().unwrap());
        assert_eq!(check(&mut auth, &h, body).unwrap_err().0, 401);
        h.remove("x-ainsim-nonce");
        let e = check(&mut auth, &h, body).unwrap_err();
        assert_eq!((e.0, e.1.starts_with("missing_header")), (400, true), "{e:?}");
    }
}
