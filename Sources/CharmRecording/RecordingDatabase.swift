import Foundation
import GRDB

/// Opening the recording database: where it lives by default, and the settings every
/// connection gets (WAL, `synchronous=NORMAL`, a busy timeout, the migrations).
package enum RecordingDatabase {
    /// Why the database cannot be used.
    package struct OpenError: Error, CustomStringConvertible {
        package var path: String
        package var reason: String
        package var description: String { "recording database \(path): \(reason)" }
    }

    /// `$XDG_DATA_HOME/charm-monitor/sessions.sqlite`, else `~/.local/share/charm-monitor/sessions.sqlite`.
    package static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let base = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()) + "/.local/share")
        return base + "/charm-monitor/sessions.sqlite"
    }

    /// Opens (creating it and its folder when missing) the database at `path` for writing,
    /// migrated to the current schema.
    package static func openForWriting(_ path: String) throws(OpenError) -> DatabaseQueue {
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            } catch {
                throw OpenError(path: path, reason: "cannot create its folder: \(error.localizedDescription)")
            }
        }
        var config = Configuration()
        config.busyMode = .timeout(5)
        config.label = "charm-monitor recording"
        config.prepareDatabase { db in
            // Before any table exists, so pruning old sessions can give the space back.
            if try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") == 0 {
                try db.execute(sql: "PRAGMA auto_vacuum = INCREMENTAL")
            }
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            // In WAL mode a commit is durable against a crash of the process (kill -9): it is
            // in the WAL file once written; NORMAL only skips the fsync that guards against
            // a crash of the machine, which is what makes big transactions cheap.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // The WAL is reused after each checkpoint; this keeps a flood's WAL from staying large.
            try db.execute(sql: "PRAGMA journal_size_limit = 67108864")
        }
        do {
            let queue = try DatabaseQueue(path: path, configuration: config)
            // GRDB's migrate applies only what is missing and would let this version write
            // into a schema it does not know.
            if try queue.read({ try RecordingSchema.migrator.hasBeenSuperseded($0) }) {
                throw OpenError(path: path, reason: "written by a newer charm-monitor (its schema has migrations this version does not know)")
            }
            try RecordingSchema.migrator.migrate(queue)
            return queue
        } catch let e as OpenError {
            throw e
        } catch let e as DatabaseError {
            throw OpenError(path: path, reason: e.message ?? "\(e)")
        } catch {
            throw OpenError(path: path, reason: "\(error)")
        }
    }

    /// Opens the existing database at `path` read-only (SQLITE_OPEN_READONLY and
    /// `PRAGMA query_only`): `sessions`, `open`, `query` and `search` never change it.
    package static func openForReading(_ path: String) throws(OpenError) -> DatabaseQueue {
        guard FileManager.default.fileExists(atPath: path) else {
            throw OpenError(path: path, reason: "no such file (nothing recorded yet?)")
        }
        var config = Configuration()
        config.readonly = true
        config.busyMode = .timeout(5)
        config.label = "charm-monitor recording (read-only)"
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA query_only = 1") }
        do {
            let queue = try DatabaseQueue(path: path, configuration: config)
            let known = try queue.read { db in try RecordingSchema.migrator.appliedIdentifiers(db) }
            guard known.contains("v1") else { throw OpenError(path: path, reason: "not a charm-monitor recording") }
            return queue
        } catch let e as OpenError {
            throw e
        } catch let e as DatabaseError {
            throw OpenError(path: path, reason: e.message ?? "\(e)")
        } catch {
            throw OpenError(path: path, reason: "\(error)")
        }
    }

    /// Parses a size like `500M`, `2G`, `1GiB`, `64k` or a plain number of bytes.
    package static func parseSize(_ text: String) -> Int64? {
        var t = text.trimmingCharacters(in: .whitespaces).uppercased()
        for suffix in ["IB", "B"] where t.hasSuffix(suffix) && t.count > suffix.count {
            t.removeLast(suffix.count)
            break
        }
        var scale: Int64 = 1
        if let last = t.last, let s = ["K": Int64(1) << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40][String(last)] {
            scale = s
            t.removeLast()
        }
        guard let v = Double(t), v.isFinite, v > 0, v * Double(scale) < 9e18 else { return nil }
        return Int64(v * Double(scale))
    }
}
