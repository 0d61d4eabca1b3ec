//! Real serial ports: open a device path with tokio-serial for [`crate::ops::Modem`].
//!
//! What it is: the one place that names tokio-serial. Any other
//! `AsyncRead + AsyncWrite` (a TCP socket to a ser2net box, an in-memory
//! duplex in tests) works with `Modem` as well.

use std::time::Duration;

use tokio_serial::{SerialPortBuilderExt, SerialStream};

use crate::ops::Modem;

/// The speed voice modems are driven at (USB CDC modems ignore it).
pub const BAUD: u32 = 115_200;

/// Open `path` (`/dev/ttyACM0`, `/dev/ttyUSB0`, a pty) at 8N1, hardware flow control off.
///
/// # Errors
/// When the port cannot be opened (absent, or no permission: join `dialout`).
pub fn open(path: &str) -> Result<Modem<SerialStream>, tokio_serial::Error> {
    let port = tokio_serial::new(path, BAUD).timeout(Duration::from_millis(100)).open_native_async()?;
    Ok(Modem::new(port))
}
