import GRDB
import GRDBSQLite

/// Binding and stepping a prepared statement straight through SQLite's C API: the writer's
/// hot path (one `events` row per record) cannot afford an argument array per row.
extension Statement {
    /// SQLite's "copy the bytes now" destructor (the C macro SQLITE_TRANSIENT).
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    func bind(_ index: Int32, _ value: Int64?) {
        if let value { sqlite3_bind_int64(sqliteStatement, index, value) } else { sqlite3_bind_null(sqliteStatement, index) }
    }

    func bind(_ index: Int32, _ value: Int?) { bind(index, value.map(Int64.init)) }

    func bind(_ index: Int32, _ value: Double?) {
        if let value { sqlite3_bind_double(sqliteStatement, index, value) } else { sqlite3_bind_null(sqliteStatement, index) }
    }

    func bind(_ index: Int32, _ value: String?) {
        guard var value else { sqlite3_bind_null(sqliteStatement, index); return }
        value.withUTF8 { bindText(index, UnsafeRawBufferPointer($0)) }
    }

    func bind(_ index: Int32, bytes: [UInt8]?) {
        guard let bytes else { sqlite3_bind_null(sqliteStatement, index); return }
        bytes.withUnsafeBytes { bindText(index, $0) }
    }

    private func bindText(_ index: Int32, _ buf: UnsafeRawBufferPointer) {
        if let base = buf.baseAddress, buf.count > 0 {
            sqlite3_bind_text(sqliteStatement, index, base.assumingMemoryBound(to: CChar.self), Int32(buf.count), Statement.transient)
        } else {
            sqlite3_bind_text(sqliteStatement, index, "", 0, nil)
        }
    }

    func bind(_ index: Int32, _ value: StaticString) {
        value.withUTF8Buffer { buf in
            _ = sqlite3_bind_text(sqliteStatement, index, UnsafeRawPointer(buf.baseAddress!).assumingMemoryBound(to: CChar.self), Int32(buf.count), nil)
        }
    }

    /// Runs the bound statement to its end and resets it for the next row.
    func stepAndReset(_ db: Database) throws {
        let code = sqlite3_step(sqliteStatement)
        sqlite3_reset(sqliteStatement)
        guard code == SQLITE_DONE || code == SQLITE_ROW else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
        }
    }
}
