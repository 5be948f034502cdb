//! Reading and writing a stopped tracee's memory.
//!
//! Limitation: another thread of the tracee can change the memory between
//! the supervisor's read and the kernel's own (check-then-use). The kernel
//! layers (Landlock, the `--isolate` view) bound what a won race reaches;
//! see docs/security.md.

use std::io::{IoSlice, IoSliceMut};

use nix::errno::Errno;
use nix::sys::uio::{process_vm_readv, process_vm_writev, RemoteIoVec};
use nix::unistd::Pid;

/// The longest path the kernel accepts, with its NUL.
pub const PATH_MAX: usize = libc::PATH_MAX as usize;

const PAGE: usize = 4096;

/// Reads `len` bytes at `addr`.
pub fn read_bytes(pid: Pid, addr: u64, len: usize) -> Result<Vec<u8>, Errno> {
    let mut buf = vec![0u8; len];
    read_into(pid, addr, &mut buf)?;
    Ok(buf)
}

/// Fills `buf` from `addr` without allocating, for the hot path.
///
/// # Errors
///
/// `EFAULT` when fewer than `buf.len()` bytes are readable. Other errors of
/// `process_vm_readv` (`ESRCH` for a thread that is gone) pass through.
pub fn read_into(pid: Pid, addr: u64, buf: &mut [u8]) -> Result<(), Errno> {
    let len = buf.len();
    if len == 0 {
        return Ok(());
    }
    let remote = [RemoteIoVec { base: addr as usize, len }];
    let got = process_vm_readv(pid, &mut [IoSliceMut::new(buf)], &remote)?;
    if got < len {
        return Err(Errno::EFAULT);
    }
    Ok(())
}

/// Reads a NUL-terminated string at `addr`, of at most `max` bytes without
/// the NUL. Reads page by page, so a string that ends just before an
/// unmapped page is still read.
///
/// # Errors
///
/// `EFAULT` for an unreadable address, `ENAMETOOLONG` when no NUL comes
/// within `max` bytes.
pub fn read_cstring(pid: Pid, addr: u64, max: usize) -> Result<Vec<u8>, Errno> {
    let mut out = Vec::new();
    let mut at = addr;
    loop {
        let chunk = PAGE - (at as usize % PAGE);
        let mut buf = vec![0u8; chunk];
        let remote = [RemoteIoVec { base: at as usize, len: chunk }];
        let got = process_vm_readv(pid, &mut [IoSliceMut::new(&mut buf)], &remote)?;
        if got == 0 {
            return Err(Errno::EFAULT);
        }
        if let Some(nul) = buf[..got].iter().position(|b| *b == 0) {
            out.extend_from_slice(&buf[..nul]);
            if out.len() > max {
                return Err(Errno::ENAMETOOLONG);
            }
            return Ok(out);
        }
        out.extend_from_slice(&buf[..got]);
        if out.len() > max {
            return Err(Errno::ENAMETOOLONG);
        }
        at += got as u64;
    }
}

/// Writes `data` at `addr`.
pub fn write_bytes(pid: Pid, addr: u64, data: &[u8]) -> Result<(), Errno> {
    let remote = [RemoteIoVec { base: addr as usize, len: data.len() }];
    let put = process_vm_writev(pid, &[IoSlice::new(data)], &remote)?;
    if put < data.len() {
        return Err(Errno::EFAULT);
    }
    Ok(())
}
