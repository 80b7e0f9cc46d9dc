#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// What Linux's /proc says of a running process: its CPU time and its peak memory, read from
/// outside it, so a benchmark charges a receiver for its own work and nothing else.
enum ProcessProbe {
    /// User + system CPU seconds of process `pid`, all its threads; with `descendants`, also
    /// those of every process below it still running, and of its children already reaped.
    static func cpuSeconds(_ pid: pid_t, descendants: Bool = false) -> Double {
        var ticks = 0
        var pids: [pid_t] = [pid]
        if descendants {
            let all = processes()
            var frontier = [pid]
            while let parent = frontier.popLast() {
                let children = all.filter { $0.ppid == parent }.map(\.pid)
                pids += children
                frontier += children
            }
        }
        for p in pids {
            guard let f = statFields(p), f.count > 14 else { continue }
            // After the command name: state, ppid, … utime (11), stime (12), cutime (13), cstime (14).
            ticks += (Int(f[11]) ?? 0) + (Int(f[12]) ?? 0)
            if descendants { ticks += (Int(f[13]) ?? 0) + (Int(f[14]) ?? 0) }
        }
        return Double(ticks) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Peak resident set size (`VmHWM`) of `pid` ("self" for this process) in KiB; nil once
    /// it is gone.
    static func peakRSSKiB(_ pid: String) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
        else { return nil }
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
    }

    /// The 1, 5 and 15 minute load averages, as `/proc/loadavg` gives them.
    static func loadAverage() -> String {
        let text = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? ""
        return text.split(separator: " ").prefix(3).joined(separator: " ")
    }

    /// The fields of `/proc/PID/stat` after the command name (which may hold spaces).
    private static func statFields(_ pid: pid_t) -> [Substring]? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        return stat[stat.index(after: close)...].split(separator: " ")
    }

    /// Every process and its parent.
    private static func processes() -> [(pid: pid_t, ppid: pid_t)] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { name in
            guard let pid = pid_t(name), let f = statFields(pid), f.count > 1, let ppid = pid_t(f[1]) else { return nil }
            return (pid, ppid)
        }
    }
}
