//! The business web server's JSON API and the routes of its pages.
//!
//! Every body is read with a size cap ([`MAX_BODY`], 413 beyond) and parsed
//! with the path of a bad field recorded, so a 400 says which field is
//! wrong (`page.page.url`, `customer_number`). See docs/api.md.

use std::convert::Infallible;

use ainsim_business::{
    Action, BusinessError, CallId, CallResult, EquipmentCallRequest, Status, WebCallRequest,
};
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::StreamExt as _;

use crate::{pages, WebState};

/// The largest request body accepted, in bytes (413 beyond).
pub const MAX_BODY: usize = 64 * 1024;

/// An API refusal: the HTTP status and `{"error": ..., "field": ...}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    /// The JSON path of the bad field, when one is to blame.
    pub field: Option<String>,
    pub error: String,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, field: Option<&str>, error: impl Into<String>) -> Self {
        ApiError { status, field: field.map(str::to_owned), error: error.into() }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({"error": self.error, "field": self.field});
        (self.status, Json(body)).into_response()
    }
}

impl From<BusinessError> for ApiError {
    fn from(e: BusinessError) -> Self {
        let msg = e.to_string();
        match e {
            BusinessError::Invalid(f) => ApiError::new(StatusCode::BAD_REQUEST, Some(&f.field), msg),
            BusinessError::UnknownCall(_) => ApiError::new(StatusCode::NOT_FOUND, Some("call"), msg),
            BusinessError::UnknownRequest(_) => ApiError::new(StatusCode::NOT_FOUND, Some("request_id"), msg),
            BusinessError::UnknownRepresentative(_) => {
                ApiError::new(StatusCode::NOT_FOUND, Some("representative"), msg)
            }
            BusinessError::UnknownCustomer(_) => {
                ApiError::new(StatusCode::NOT_FOUND, Some("customer_id"), msg)
            }
            BusinessError::NotYourCall { .. } => {
                ApiError::new(StatusCode::CONFLICT, Some("representative"), msg)
            }
            BusinessError::Acd(_) => ApiError::new(StatusCode::CONFLICT, Some("status"), msg),
            BusinessError::Store(_) => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, None, msg),
        }
    }
}

/// Reads a JSON body of at most [`MAX_BODY`] bytes into `T`, naming the
/// field that does not fit.
async fn read_json<T: serde::de::DeserializeOwned>(headers: &HeaderMap, body: Body) -> Result<T, ApiError> {
    let too_big = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            Some("body"),
            format!("body is larger than {MAX_BODY} bytes"),
        )
    };
    let declared =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY as u64) {
        return Err(too_big());
    }
    // A read error here is the limit (or a client gone away, who reads no answer).
    let bytes = axum::body::to_bytes(body, MAX_BODY).await.map_err(|_| too_big())?;
    let de = &mut serde_json::Deserializer::from_slice(&bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let why = e.into_inner();
        let field = field_of(&path, &why.to_string());
        ApiError::new(StatusCode::BAD_REQUEST, Some(&field), format!("{field}: {why}"))
    })
}

/// The JSON path to blame: serde's path, with the name of a missing field
/// added (`page.page.url`), or `body` for the body as a whole.
fn field_of(path: &str, why: &str) -> String {
    let missing = why.strip_prefix("missing field `").and_then(|r| r.split('`').next());
    match (path, missing) {
        (".", Some(m)) => m.to_owned(),
        (".", None) => "body".to_owned(),
        (p, Some(m)) => format!("{p}.{m}"),
        (p, None) => p.to_owned(),
    }
}

/// What the shopper's page is told about a call request.
///
/// ```json
/// {"call": 0, "state": "calling"}
/// {"call": 1, "state": "queued", "position": 1, "estimated_wait_ms": 180000}
/// {"call": 2, "state": "scheduled", "due_unix": 1795914000}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CallRequestAnswer {
    pub call: u64,
    /// `calling` (a representative was chosen; the network calls you),
    /// `queued`, `scheduled`, `failed` or `abandoned`.
    pub state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimated_wait_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_unix: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

fn answer(call: CallId, actions: &[Action]) -> CallRequestAnswer {
    let mut a = CallRequestAnswer {
        call: call.0,
        state: "accepted".into(),
        position: None,
        estimated_wait_ms: None,
        due_unix: None,
        reason: None,
    };
    for act in actions {
        match act {
            Action::Instruction { call: c, .. }
            | Action::ScreenPop { pop: ainsim_business::ScreenPop { call: c, .. } }
                if *c == call =>
            {
                a.state = "calling".into();
            }
            Action::Queued { call: c, position, estimated_wait_ms } if *c == call => {
                a.state = "queued".into();
                a.position = Some(*position);
                a.estimated_wait_ms = *estimated_wait_ms;
            }
            Action::Scheduled { call: c, due_unix } if *c == call => {
                a.state = "scheduled".into();
                a.due_unix = Some(*due_unix);
            }
            Action::Failed { call: c, reason } if *c == call => {
                a.state = "failed".into();
                a.reason = Some(reason.clone());
            }
            Action::Abandoned { call: c, reason } if *c == call => {
                a.state = "abandoned".into();
                a.reason = Some(format!("{reason:?}"));
            }
            _ => {}
        }
    }
    a
}

async fn web_call_request(
    State(st): State<WebState>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<CallRequestAnswer>), ApiError> {
    let req: WebCallRequest = read_json(&headers, body).await?;
    let (call, actions) = st.with_server(|s, now| s.web_request(now, &req))?;
    let actions = st.dispatch(actions);
    Ok((StatusCode::ACCEPTED, Json(answer(call, &actions))))
}

async fn equipment_call_request(
    State(st): State<WebState>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<CallRequestAnswer>), ApiError> {
    let req: EquipmentCallRequest = read_json(&headers, body).await?;
    let (call, actions) = st.with_server(|s, now| s.equipment_request(now, &req))?;
    let actions = st.dispatch(actions);
    Ok((StatusCode::ACCEPTED, Json(answer(call, &actions))))
}

/// A representative as the console lists them.
#[derive(Debug, Clone, serde::Serialize)]
struct RepView {
    id: String,
    name: String,
    status: Status,
    call: Option<u64>,
    skills: std::collections::BTreeMap<String, u8>,
}

fn rep_view(st: &WebState, id: &str) -> Result<RepView, ApiError> {
    st.with_server(|s, _| {
        let rep = s.representative(id).ok_or_else(|| BusinessError::UnknownRepresentative(id.into()))?;
        let agent = s.agent(id);
        Ok(RepView {
            id: rep.id.clone(),
            name: rep.name.clone(),
            status: agent.map_or(Status::LoggedOut, |a| a.status),
            call: agent.and_then(|a| a.call).map(|c| c.0),
            skills: rep.skills.clone(),
        })
    })
}

async fn list_representatives(State(st): State<WebState>) -> Result<Json<Vec<RepView>>, ApiError> {
    let ids: Vec<String> = st.with_server(|s, _| s.representatives().map(|r| r.id.clone()).collect());
    ids.iter().map(|id| rep_view(&st, id)).collect::<Result<Vec<_>, _>>().map(Json)
}

async fn get_representative(
    State(st): State<WebState>,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let view = rep_view(&st, &id)?;
    let pop = st.current_pop(&id);
    Ok(Json(serde_json::json!({"representative": view, "pop": pop})))
}

fn set_status(st: &WebState, id: &str, status: Status) -> Result<Json<RepView>, ApiError> {
    if st.with_server(|s, _| s.representative(id).is_none()) {
        return Err(BusinessError::UnknownRepresentative(id.into()).into());
    }
    let actions = st.with_server(|s, now| s.set_status(now, id, status))?;
    st.dispatch(actions);
    rep_view(st, id).map(Json)
}

async fn login(State(st): State<WebState>, Path(id): Path<String>) -> Result<Json<RepView>, ApiError> {
    set_status(&st, &id, Status::Available)
}

async fn logout(State(st): State<WebState>, Path(id): Path<String>) -> Result<Json<RepView>, ApiError> {
    set_status(&st, &id, Status::LoggedOut)
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusBody {
    status: Status,
}

async fn status(
    State(st): State<WebState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<RepView>, ApiError> {
    let b: StatusBody = read_json(&headers, body).await?;
    if matches!(b.status, Status::OnCall) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            Some("status"),
            "status: on_call is set by the ACD only",
        ));
    }
    set_status(&st, &id, b.status)
}

async fn events(
    State(st): State<WebState>,
    Path(id): Path<String>,
) -> Result<Sse<impl tokio_stream::Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let view = rep_view(&st, &id)?;
    let rx = st.subscribe();
    let mut first =
        vec![Event::default().event("hello").data(serde_json::to_string(&view).unwrap_or_default())];
    if let Some(pop) = st.current_pop(&id) {
        first.push(Event::default().event("pop").data(serde_json::to_string(&pop).unwrap_or_default()));
    }
    let live = BroadcastStream::new(rx).filter_map(move |ev| match ev {
        Ok(ev) if ev.agent == id => Some(Event::default().event(ev.kind).data(ev.data)),
        _ => None,
    });
    let stream = tokio_stream::iter(first).chain(live).map(Ok::<Event, Infallible>);
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ResultBody {
    representative: String,
    result: CallResult,
}

async fn call_result(
    State(st): State<WebState>,
    Path(call): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<ainsim_business::CallRecord>), ApiError> {
    let call: u64 = call.parse().map_err(|_| {
        ApiError::new(StatusCode::BAD_REQUEST, Some("call"), format!("call: {call:?} is not a number"))
    })?;
    let b: ResultBody = read_json(&headers, body).await?;
    let rec = st.with_server(|s, now| s.record_result(now, CallId(call), &b.representative, b.result))?;
    if st.current_pop(&b.representative).is_some_and(|p| p.call == CallId(call)) {
        st.clear_pop(&b.representative);
    }
    Ok((StatusCode::CREATED, Json(rec)))
}

fn parse_call(call: &str) -> Result<CallId, ApiError> {
    call.parse().map(CallId).map_err(|_| {
        ApiError::new(StatusCode::BAD_REQUEST, Some("call"), format!("call: {call:?} is not a number"))
    })
}

/// The business gives a call up wherever it stands; the network is told
/// (`OsnMessage::Cancel` under the current request id) when it has it.
async fn cancel(
    State(st): State<WebState>,
    Path(call): Path<String>,
) -> Result<Json<CallRequestAnswer>, ApiError> {
    let call = parse_call(&call)?;
    st.cancel(call)?;
    let mut a = answer(call, &[]);
    a.state = "cancelled".into();
    Ok(Json(a))
}

/// The live view's data: the network (if wired in) and the business side.
async fn network(State(st): State<WebState>) -> Result<Json<serde_json::Value>, ApiError> {
    let ids: Vec<String> = st.with_server(|s, _| s.representatives().map(|r| r.id.clone()).collect());
    let reps = ids.iter().map(|id| rep_view(&st, id)).collect::<Result<Vec<_>, _>>()?;
    let calls = st.with_server(|s, _| s.active_calls());
    Ok(Json(serde_json::json!({
        "network": st.network_snapshot(),
        "business": {"representatives": reps, "calls": calls},
    })))
}

async fn list_calls(State(st): State<WebState>) -> Json<Vec<ainsim_business::CallSummary>> {
    Json(st.with_server(|s, _| s.active_calls()))
}

async fn list_orders(State(st): State<WebState>) -> Result<Json<Vec<ainsim_business::Order>>, ApiError> {
    Ok(Json(st.with_server(|s, _| s.orders())?))
}

async fn list_results(
    State(st): State<WebState>,
) -> Result<Json<Vec<ainsim_business::CallRecord>>, ApiError> {
    Ok(Json(st.with_server(|s, _| s.call_records())?))
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, None, "no such page or endpoint")
}

/// The business web server's routes (API and pages) over `state`.
///
/// ```no_run
/// # async fn f(state: ainsim_web::WebState) -> std::io::Result<()> {
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
/// tokio::spawn(state.clone().run_timers());
/// axum::serve(listener, ainsim_web::router(state)).await
/// # }
/// ```
pub fn router(state: WebState) -> Router {
    Router::new()
        .route("/", get(pages::home))
        .route("/cruises", get(pages::cruises))
        .route("/flights", get(pages::flights))
        .route("/console", get(pages::console))
        .route("/network", get(pages::network))
        .route("/assets/{file}", get(pages::asset))
        .route("/api/call-requests", post(web_call_request))
        .route("/api/equipment-call-requests", post(equipment_call_request))
        .route("/api/representatives", get(list_representatives))
        .route("/api/representatives/{id}", get(get_representative))
        .route("/api/representatives/{id}/login", post(login))
        .route("/api/representatives/{id}/logout", post(logout))
        .route("/api/representatives/{id}/status", post(status))
        .route("/api/representatives/{id}/events", get(events))
        .route("/api/calls", get(list_calls))
        .route("/api/calls/{call}/result", post(call_result))
        .route("/api/calls/{call}/cancel", post(cancel))
        .route("/api/orders", get(list_orders))
        .route("/api/results", get(list_results))
        .route("/api/network", get(network))
        .route("/api/screen-pops", post(crate::network_pop::screen_pop))
        .fallback(not_found)
        .with_state(state)
}
