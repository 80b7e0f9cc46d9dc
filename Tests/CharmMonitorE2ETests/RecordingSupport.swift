#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing

/// Helpers for the recording tests: a fresh folder per test, the summary as canonical JSON,
/// and the database read by Python's own sqlite3 (a judge independent of GRDB and of us).
enum Recording {
    /// Which of `secrets` appear in the bytes of the database at `db`, its WAL or its shared
    /// memory file, each as "SECRET in db|-wal|-shm".
    static func leaks(of secrets: [String], in db: String) -> [String] {
        var found: [String] = []
        for suffix in ["", "-wal", "-shm"] {
            guard let bytes = FileManager.default.contents(atPath: db + suffix) else { continue }
            for s in secrets where bytes.range(of: Data(s.utf8)) != nil { found.append("\(s) in \(suffix.isEmpty ? "db" : suffix)") }
        }
        return found
    }

    /// A new empty folder.
    static func folder(_ name: String) throws -> String {
        let path = NSTemporaryDirectory() + "charm-rec-\(getpid())-\(name)-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// `value` as JSON text with sorted keys, so two summaries compare as text and a
    /// difference prints readably.
    static func canonical(_ value: Any) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .prettyPrinted]), as: UTF8.self)
    }

    /// The summary without the `recording` member (which describes the act of recording,
    /// not the session), as canonical text; and that member.
    static func withoutRecording(_ summary: [String: Any]) throws -> (String, [String: Any]?) {
        var s = summary
        let rec = s.removeValue(forKey: "recording") as? [String: Any]
        return (try canonical(s), rec)
    }

    /// `open --headless` of session `id` in `db`, as canonical text.
    static func reopened(_ db: String, _ id: String = "latest") throws -> String {
        let r = try Monitor.run(["open", "--db", db, id, "--headless"])
        #expect(r.status == 0, "\(r.stderr)")
        return try canonical(try Monitor.summary(r))
    }

    /// Rows of `sql` over `db` as Python's sqlite3 reads them (JSON arrays), opened read-only.
    static func sqlite(_ db: String, _ sql: String) throws -> [[Any]] {
        let script = """
            import json, sqlite3, sys
            c = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
            print(json.dumps([list(r) for r in c.execute(sys.argv[2])]))
            """
        let r = try Monitor.runProcess("/usr/bin/env", ["python3", "-c", script, db, sql])
        guard r.status == 0 else { throw MonitorError(message: "sqlite3 on \(db): \(r.stderr)") }
        return try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[Any]] ?? []
    }

    /// A structured event line (NDJSON) for hook `hook` of run `run`.
    static func line(_ hook: String, seq: Int, run: String, _ extra: String = "", type: String = "x") -> String {
        let ts = Date(timeIntervalSince1970: 1_796_000_000 + Double(seq) / 1000)
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return #"{"type": "\#(type)", "telemetry": {"v": 1, "hook": "\#(hook)", "seq": \#(seq), "ts": "\#(f.string(from: ts))", "run_id": "\#(run)"\#(extra)}}"#
    }

    /// Writes `lines` to a file in `dir`.
    static func file(_ dir: String, _ name: String, _ lines: [String]) throws -> String {
        let path = dir + "/" + name
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))
        return path
    }
}
