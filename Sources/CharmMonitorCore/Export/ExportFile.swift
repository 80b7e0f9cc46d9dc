import CharmTelemetry
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Where `x` writes a run's events, and the writing itself: a new file every time, never
/// one that exists.
///
/// The directory is `$XDG_STATE_HOME/charm-monitor/exports` (else
/// `~/.local/state/charm-monitor/exports`), not the current directory: a monitor is often
/// started from wherever the agent runs (a repository, `/`, a read-only mount), and one
/// known place keeps every export findable. The footer shows the full path.
package enum ExportFile {
    /// Why an export could not be written.
    package struct Failure: Error, Sendable, CustomStringConvertible {
        /// What went wrong, with the path.
        package var description: String
    }

    /// The export directory for `environment`.
    package static func directory(environment: [String: String]) -> String {
        if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") {
            return state + "/charm-monitor/exports"
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return home + "/.local/state/charm-monitor/exports"
    }

    /// The file name for run `runID` exported at `at`: `run-<id>-<UTC time>.ndjson`, the id
    /// reduced to characters safe in a file name (and bounded), `-2`, `-3`… after the time
    /// for the `attempt`th try.
    package static func fileName(runID: String, at: Timestamp, attempt: Int = 1) -> String {
        var id = ""
        for scalar in runID.unicodeScalars {
            guard id.utf8.count < 80 else { break }
            let safe = scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || "-_.".unicodeScalars.contains(scalar))
            id.unicodeScalars.append(safe ? scalar : "_")
        }
        if id.isEmpty || id.hasPrefix(".") { id = "_" + id }
        // 2026-11-30T02:39:33.123456Z → 20261130T023933Z
        let stamp = at.rfc3339.prefix(19).filter { $0 != "-" && $0 != ":" } + "Z"
        return "run-\(id)-\(stamp)\(attempt > 1 ? "-\(attempt)" : "").ndjson"
    }

    /// Writes `bytes` to a new file for `runID` in `directory` (created if missing) and
    /// returns its path. An existing file is never opened: the name gains `-2`, `-3`…
    package static func write(_ bytes: [UInt8], runID: String, at: Timestamp, directory: String) throws(Failure) -> String {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw Failure(description: "cannot create \(directory): \(error.localizedDescription)")
        }
        for attempt in 1...1_000 {
            let path = directory + "/" + fileName(runID: runID, at: at, attempt: attempt)
            // O_EXCL: fails rather than opening a file that exists (or a link planted there).
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if fd < 0 {
                if errno == EEXIST { continue }
                throw Failure(description: "cannot create \(path): \(String(cString: strerror(errno)))")
            }
            defer { close(fd) }
            let written = bytes.withUnsafeBytes { buffer -> Int32 in
                var offset = 0
                while offset < buffer.count {
                    let n = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                    if n < 0 {
                        if errno == EINTR { continue }
                        return errno
                    }
                    offset += n
                }
                return 0
            }
            if written != 0 { throw Failure(description: "cannot write \(path): \(String(cString: strerror(written)))") }
            return path
        }
        throw Failure(description: "cannot create a new file in \(directory): 1,000 names taken")
    }
}
