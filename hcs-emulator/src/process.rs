//! The emulated processes: the `CommandLine` convention and their standard I/O pipes.

use std::fs::File;

/// What an emulated process does, decided by its command line (see the crate docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Behaviour {
    /// `exit N`: exits with code `N` as soon as it has started.
    Exit(u32),
    /// `sleep-forever`: runs until signalled or terminated.
    SleepForever,
    /// `sleep MS`: exits with code 0 after `MS` milliseconds.
    Sleep(u64),
    /// `echo` alone: copies standard input to standard output until standard input is closed,
    /// then exits with code 0.
    Echo,
    /// `echo TEXT`: writes `TEXT` and a newline to standard output, then exits with code 0.
    Print(String),
    /// `echo-stderr TEXT`: writes `TEXT` and a newline to standard error, then exits with code 0.
    PrintStderr(String),
}

/// The exit code of a process stopped by `HcsSignalProcess` (`STATUS_CONTROL_C_EXIT`).
pub const SIGNAL_EXIT_CODE: u32 = 0xC000_013A;
/// The exit code of a process stopped by `HcsTerminateProcess`.
pub const TERMINATE_EXIT_CODE: u32 = 1;
/// The exit code of a process whose compute system stopped under it.
pub const SYSTEM_STOPPED_EXIT_CODE: u32 = 0xFFFF_FFFF;

/// Parses a command line; `None` when it follows no convention (the process then fails to
/// start with `HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND)`).
pub fn parse(command_line: &str) -> Option<Behaviour> {
    let mut words: Vec<&str> = command_line.split_whitespace().collect();
    if words.len() >= 2
        && ["cmd", "cmd.exe"].contains(&words[0].to_ascii_lowercase().as_str())
        && words[1].eq_ignore_ascii_case("/c")
    {
        words.drain(..2);
    }
    let (first, rest) = words.split_first()?;
    let text = rest.join(" ");
    match *first {
        "exit" => match rest {
            [] => Some(Behaviour::Exit(0)),
            [n] => n
                .parse::<u32>()
                .ok()
                .or_else(|| n.parse::<i32>().ok().map(|v| v as u32))
                .map(Behaviour::Exit),
            _ => None,
        },
        "sleep-forever" if rest.is_empty() => Some(Behaviour::SleepForever),
        "sleep" => match rest {
            [ms] => ms.parse().ok().map(Behaviour::Sleep),
            _ => None,
        },
        "echo" if rest.is_empty() => Some(Behaviour::Echo),
        "echo" => Some(Behaviour::Print(text)),
        "echo-stderr" => Some(Behaviour::PrintStderr(text)),
        _ => None,
    }
}

/// One end of each of a process's three standard streams (any may be absent).
#[derive(Debug, Default)]
pub struct StdioSet {
    /// Standard input.
    pub stdin: Option<File>,
    /// Standard output.
    pub stdout: Option<File>,
    /// Standard error.
    pub stderr: Option<File>,
}

/// Creates a pipe: `(read end, write end)`, both close-on-exec.
#[cfg(unix)]
pub fn pipe() -> std::io::Result<(File, File)> {
    use std::os::fd::FromRawFd;
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: `fds` is a valid array of two ints for pipe2 to fill.
    let rc = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) };
    if rc != 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: pipe2 succeeded, so both descriptors are fresh and owned by nobody else.
    Ok(unsafe { (File::from_raw_fd(fds[0]), File::from_raw_fd(fds[1])) })
}

/// Creates an anonymous pipe: `(read end, write end)`, not inheritable.
#[cfg(windows)]
pub fn pipe() -> std::io::Result<(File, File)> {
    use std::os::windows::io::FromRawHandle;
    let mut read = std::ptr::null_mut();
    let mut write = std::ptr::null_mut();
    // SAFETY: both out-pointers are valid; NULL attributes make the handles non-inheritable.
    let ok = unsafe {
        windows_sys::Win32::System::Pipes::CreatePipe(&mut read, &mut write, std::ptr::null(), 0)
    };
    if ok == 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: CreatePipe succeeded, so both handles are fresh and owned by nobody else.
    Ok(unsafe { (File::from_raw_handle(read), File::from_raw_handle(write)) })
}

/// Creates a pipe (not available on this platform: processes get no standard I/O handles).
#[cfg(not(any(unix, windows)))]
pub fn pipe() -> std::io::Result<(File, File)> {
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}

/// Turns a caller-side pipe end into a C `HANDLE` value the caller now owns (on Unix the file
/// descriptor number; NULL for no pipe).
pub fn into_handle(f: Option<File>) -> *mut core::ffi::c_void {
    match f {
        #[cfg(unix)]
        Some(f) => {
            use std::os::fd::IntoRawFd;
            f.into_raw_fd() as isize as *mut core::ffi::c_void
        }
        #[cfg(windows)]
        Some(f) => {
            use std::os::windows::io::IntoRawHandle;
            f.into_raw_handle()
        }
        #[cfg(not(any(unix, windows)))]
        Some(_) => std::ptr::null_mut(),
        None => std::ptr::null_mut(),
    }
}

/// Waits up to `ms` milliseconds for `f` to become readable (Unix); true when readable or at
/// end of file.
#[cfg(unix)]
pub fn poll_readable(f: &File, ms: i32) -> bool {
    use std::os::fd::AsRawFd;
    let mut pfd = libc::pollfd {
        fd: f.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: `pfd` is a valid pollfd for the duration of the call.
    let rc = unsafe { libc::poll(&mut pfd, 1, ms) };
    rc > 0
}

/// Waits up to `ms` milliseconds for data (or end of file) on an anonymous pipe (Windows).
#[cfg(windows)]
pub fn poll_readable(f: &File, ms: i32) -> bool {
    use std::os::windows::io::AsRawHandle;
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(ms.max(0) as u64);
    loop {
        let mut available = 0u32;
        // SAFETY: the handle is a live pipe owned by `f`; only the byte count is written.
        let ok = unsafe {
            windows_sys::Win32::System::Pipes::PeekNamedPipe(
                f.as_raw_handle(),
                std::ptr::null_mut(),
                0,
                std::ptr::null_mut(),
                &mut available,
                std::ptr::null_mut(),
            )
        };
        // A failure is a broken pipe: end of file, which the read reports.
        if ok == 0 || available > 0 {
            return true;
        }
        if std::time::Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

/// Waits up to `ms` milliseconds; on platforms without poll the stream is read blocking.
#[cfg(not(any(unix, windows)))]
pub fn poll_readable(_f: &File, _ms: i32) -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_lines() {
        assert_eq!(parse("exit 3"), Some(Behaviour::Exit(3)));
        assert_eq!(parse("cmd /c exit -1"), Some(Behaviour::Exit(u32::MAX)));
        assert_eq!(parse("sleep-forever"), Some(Behaviour::SleepForever));
        assert_eq!(parse("sleep 20"), Some(Behaviour::Sleep(20)));
        assert_eq!(parse("echo"), Some(Behaviour::Echo));
        assert_eq!(
            parse("echo hi  there"),
            Some(Behaviour::Print("hi there".into()))
        );
        assert_eq!(parse("notepad.exe"), None);
        assert_eq!(parse(""), None);
        assert_eq!(parse("exit x"), None);
    }
}
