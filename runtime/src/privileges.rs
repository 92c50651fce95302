//! `user:` in the config: a daemon started as root (to open a live interface) carries on as
//! an unprivileged user once the capture is open, as `tcpdump -Z` does.
//!
//! The switch happens right after the capture opens and before anything else is opened: the
//! output file, the sinks' spools, the compiled-pack cache and the classifiers directory are
//! all reached as the user, so what works at start also works for a hot reload or a new
//! spool segment later (both necessarily run as the user).

use std::ffi::{CStr, CString};

use thiserror::Error;

#[derive(Debug, Error)]
pub enum PrivilegeError {
    #[error("no such user {name:?}")]
    NoSuchUser { name: String },
    #[error("cannot look up user {name:?}: {source}")]
    Lookup {
        name: String,
        source: std::io::Error,
    },
    #[error("user: {name:?} is set but flowsieve runs as uid {uid}, not root, so it cannot switch users (start it as root, or drop `user:` from the config)")]
    NotRoot { name: String, uid: u32 },
    #[error("user: cannot switch to {name:?} ({step}): {source}")]
    Switch {
        name: String,
        step: &'static str,
        source: std::io::Error,
    },
}

/// A user to run as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub name: String,
    pub uid: u32,
    /// The user's primary group.
    pub gid: u32,
}

/// Looks `name` up in the system's user database (files, LDAP... as getpwnam does).
pub fn lookup(name: &str) -> Result<Account, PrivilegeError> {
    let no_such = || PrivilegeError::NoSuchUser {
        name: name.to_string(),
    };
    let cname = CString::new(name).map_err(|_| no_such())?;
    let mut buf = vec![0u8; 4096];
    loop {
        // SAFETY: passwd is plain data; getpwnam_r writes it and the strings into `buf`,
        // whose length we pass, and sets `found` to it or to null.
        let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
        let mut found: *mut libc::passwd = std::ptr::null_mut();
        let rc = unsafe {
            libc::getpwnam_r(
                cname.as_ptr(),
                &mut pwd,
                buf.as_mut_ptr().cast(),
                buf.len(),
                &mut found,
            )
        };
        if rc == libc::ERANGE && buf.len() < 1 << 20 {
            buf.resize(buf.len() * 4, 0);
            continue;
        }
        if rc != 0 {
            return Err(PrivilegeError::Lookup {
                name: name.to_string(),
                source: std::io::Error::from_raw_os_error(rc),
            });
        }
        if found.is_null() {
            return Err(no_such());
        }
        // SAFETY: pw_name points into `buf`, NUL-terminated, while `buf` lives.
        let real = unsafe { CStr::from_ptr(pwd.pw_name) }
            .to_string_lossy()
            .into_owned();
        return Ok(Account {
            name: real,
            uid: pwd.pw_uid,
            gid: pwd.pw_gid,
        });
    }
}

/// Becomes `account` for good: its supplementary groups, its group, its user. Already being
/// that user is fine; any other non-root user is an error (it cannot switch).
pub fn become_user(account: &Account) -> Result<(), PrivilegeError> {
    // SAFETY: these getters cannot fail.
    let (uid, euid) = unsafe { (libc::getuid(), libc::geteuid()) };
    if uid == account.uid && euid == account.uid {
        return Ok(());
    }
    if euid != 0 {
        return Err(PrivilegeError::NotRoot {
            name: account.name.clone(),
            uid: euid,
        });
    }
    let fail = |step: &'static str| PrivilegeError::Switch {
        name: account.name.clone(),
        step,
        source: std::io::Error::last_os_error(),
    };
    let cname = CString::new(account.name.as_str()).map_err(|_| PrivilegeError::NoSuchUser {
        name: account.name.clone(),
    })?;
    // Groups before the user: once the uid is not root, the groups cannot change. glibc
    // applies each of these to every thread of the process.
    // SAFETY: plain system calls on values we own.
    unsafe {
        if libc::initgroups(cname.as_ptr(), account.gid) != 0 {
            return Err(fail("initgroups"));
        }
        if libc::setgid(account.gid) != 0 {
            return Err(fail("setgid"));
        }
        if libc::setuid(account.uid) != 0 {
            return Err(fail("setuid"));
        }
        // Make sure it cannot be undone (a saved uid of 0 would allow it).
        if account.uid != 0 && libc::setuid(0) == 0 {
            return Err(PrivilegeError::Switch {
                name: account.name.clone(),
                step: "check",
                source: std::io::Error::other("could become root again after setuid"),
            });
        }
    }
    tracing::info!(
        user = %account.name,
        uid = account.uid,
        gid = account.gid,
        "running as an unprivileged user"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_is_uid_0_and_unknown_users_are_named() {
        assert_eq!(lookup("root").map(|a| (a.uid, a.gid)).ok(), Some((0, 0)));
        let err = lookup("no-such-user-flowsieve").expect_err("unknown");
        assert_eq!(err.to_string(), "no such user \"no-such-user-flowsieve\"");
        assert!(lookup("bad\0name").is_err());
    }
}
