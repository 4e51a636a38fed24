//! The run's scratch folder, for the check's answer files: private to this
//! user, and removed however the run ends (by `Drop`, or by the reaper).

use std::fs::{self, DirBuilder};
use std::io;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// A fresh folder that only this user can enter, removed with everything in
/// it when dropped, or by the reaper when the run is killed.
#[derive(Debug)]
pub struct ScratchDir {
    path: PathBuf,
}

impl ScratchDir {
    /// A new folder in the temporary folder (`TMPDIR`), by its absolute
    /// path: a relative `TMPDIR` would name another file once a command
    /// changes its working folder.
    pub fn new() -> io::Result<ScratchDir> {
        let base = std::path::absolute(std::env::temp_dir())?;
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.subsec_nanos());
        for attempt in 0..100 {
            let name =
                format!("dual_model-{}-{nanos}-{attempt}", std::process::id());
            let path = base.join(name);
            match DirBuilder::new().mode(0o700).create(&path) {
                Ok(()) => return Ok(ScratchDir { path }),
                Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {}
                Err(error) => return Err(error),
            }
        }
        Err(io::Error::new(io::ErrorKind::AlreadyExists, "no fresh name"))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
    }
}
