//! ABC Travel's shop and console on 127.0.0.1:8080 (or the address given),
//! in real time, with the Fig. 8 call initiation messages printed instead
//! of sent to an access server: press the button in the shop, watch the
//! pop in the console.

use std::sync::Arc;

use ainsim_business::{demo, BusinessServer, CallId};
use ainsim_elements::osn::OsnMessage;
use ainsim_elements::Instant;
use ainsim_store::MemStore;
use ainsim_web::{router, InstructionSink, SystemClock, WebState};

/// Prints each call initiation message as JSON.
struct Print;

impl InstructionSink for Print {
    fn send(&self, call: CallId, agent: &str, message: OsnMessage) {
        let json = serde_json::to_string(&message).unwrap_or_default();
        println!("{call} -> {agent}: {json}");
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let listen = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:8080".into());
    let unix_now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs();
    let mut abc = BusinessServer::open(
        Box::new(MemStore::new()),
        demo::config("198.51.100.20", unix_now, 1),
        Instant::ZERO,
    )?;
    for rep in demo::representatives(false) {
        abc.put_representative(rep)?;
    }
    let state = WebState::new(abc, Arc::new(SystemClock::new()), Arc::new(Print));
    tokio::spawn(state.clone().run_timers());
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    let at = listener.local_addr()?;
    println!("shop:    http://{at}/\nconsole: http://{at}/console");
    axum::serve(listener, router(state)).await?;
    Ok(())
}
