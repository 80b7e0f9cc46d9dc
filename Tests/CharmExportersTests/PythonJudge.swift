import CharmTelemetry
import CharmWire
import Foundation

/// Runs the vendor libraries' own parsers (Tests/Fixtures/exporters/*.py) on what we sent.
enum PythonJudge {
    /// Tests/Fixtures/exporters, found from this file's path.
    static let fixtures: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/exporters")

    /// Whether `python3 -c "import <module>"` works (tests needing it are skipped otherwise).
    static func has(_ module: String) -> Bool {
        (try? run(["-c", "import \(module)"]))?.status == 0
    }

    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ args: [String]) throws -> Outcome {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3"] + args
        let out = Pipe()
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // Read before waiting so a large output cannot fill the pipe and deadlock.
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Outcome(
            status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    struct Rejected: Error, CustomStringConvertible {
        var description: String
    }

    /// Writes each body to a temporary file, runs `script` on them, and parses its JSON output.
    static func judge(_ script: String, _ leading: [String] = [], bodies: [[UInt8]]) throws -> JSONValue {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("charm-judge-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var paths: [String] = []
        for (i, b) in bodies.enumerated() {
            let url = dir.appendingPathComponent("body\(i)")
            try Data(b).write(to: url)
            paths.append(url.path)
        }
        let r = try run([fixtures.appendingPathComponent(script).path] + leading + paths)
        guard r.status == 0 else { throw Rejected(description: "\(script) rejected the body: \(r.stderr)") }
        return try JSONParser.parse(r.stdout)
    }
}
