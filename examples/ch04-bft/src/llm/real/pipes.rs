//! Reading a call's pipes on its helper threads: standard output sent on
//! in chunks as it comes, up to the output limit; standard error kept by
//! its last bytes, where the reason is.

use std::io::{self, Read};
use std::sync::Mutex;
use std::sync::mpsc::Sender;

use super::call::Event;
use super::status::STDERR_TAIL;
use crate::threads::lock;

/// Sends the output on in chunks, then its end; stops reading (which closes
/// the pipe) once more than `max_output` bytes have come.
pub(super) fn read_output(
    source: &mut impl Read,
    max_output: usize,
    events: &Sender<Event>,
) {
    let mut chunk = [0u8; 8192];
    let mut total = 0;
    loop {
        match source.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => {
                total += n;
                if events.send(Event::Output(chunk[..n].to_vec())).is_err()
                    || total > max_output
                {
                    return;
                }
            }
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    let _ = events.send(Event::OutputEnd);
}

/// Reads to the end, keeping the last `STDERR_TAIL` bytes in `tail`.
pub(super) fn keep_tail(source: &mut impl Read, tail: &Mutex<Vec<u8>>) {
    let mut chunk = [0u8; 4096];
    loop {
        match source.read(&mut chunk) {
            Ok(0) => return,
            Ok(n) => {
                let mut kept = lock(tail);
                kept.extend_from_slice(&chunk[..n]);
                let excess = kept.len().saturating_sub(STDERR_TAIL);
                kept.drain(..excess);
            }
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return,
        }
    }
}
