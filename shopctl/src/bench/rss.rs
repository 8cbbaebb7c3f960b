//! Resident memory of the service processes, from `/proc/<pid>/status`: `VmRSS` now,
//! and `VmHWM`, the most the process ever had resident (so a peak between two samples
//! is not missed).

/// One reading of a process's memory, in KiB.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Memory {
    /// Resident now (`VmRSS`).
    pub rss_kib: u64,
    /// The high-water mark since the process started (`VmHWM`).
    pub peak_kib: u64,
}

impl Memory {
    /// Reads process `pid`'s memory (Linux only).
    pub fn of_process(pid: u32) -> std::io::Result<Self> {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
        parse_status(&status).ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("/proc/{pid}/status has no VmRSS/VmHWM lines"),
            )
        })
    }
}

/// Reads `VmRSS:` and `VmHWM:` (both in kB) out of a `/proc/<pid>/status` text.
pub fn parse_status(text: &str) -> Option<Memory> {
    let field = |name: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.trim().strip_suffix("kB"))
            .and_then(|value| value.trim().parse::<u64>().ok())
    };
    Some(Memory {
        rss_kib: field("VmRSS:")?,
        peak_kib: field("VmHWM:")?,
    })
}

/// KiB as MiB with one decimal.
pub fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rss_and_peak_are_read_from_proc_status() {
        let status = "Name:\tshop-users\nVmPeak:\t  812344 kB\n\
                      VmHWM:\t   23456 kB\nVmRSS:\t   12345 kB\nThreads:\t4\n";
        assert_eq!(
            parse_status(status),
            Some(Memory {
                rss_kib: 12345,
                peak_kib: 23456
            })
        );
    }

    #[test]
    fn a_status_without_memory_lines_is_not_read() {
        // A zombie process has no Vm* lines.
        assert_eq!(
            parse_status("Name:\tshop-users\nState:\tZ (zombie)\n"),
            None
        );
    }

    #[test]
    fn our_own_process_can_be_read() {
        let memory = Memory::of_process(std::process::id()).expect("/proc is mounted");
        assert!(memory.rss_kib > 0);
        assert!(memory.peak_kib >= memory.rss_kib);
    }

    #[test]
    fn mib_has_the_fraction() {
        assert!((mib(1536) - 1.5).abs() < f64::EPSILON);
    }
}
