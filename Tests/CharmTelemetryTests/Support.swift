import Foundation
import Testing

@testable import CharmTelemetry

/// Paths and subprocesses the tests share.
enum Support {
    /// The package root, found from this file's path.
    static let root: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func fixture(_ name: String) -> String { root.appendingPathComponent("Tests/Fixtures/\(name)").path }

    struct Output {
        var status: Int32
        var stdout: Data
        var stderr: String
    }

    /// Runs a command to completion and returns what it printed.
    static func run(_ args: [String], stdin: Data? = nil) throws -> Output {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = args
        let out = Pipe(), err = Pipe(), inp = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = inp
        try p.run()
        if let stdin { inp.fileHandleForWriting.write(stdin) }
        try inp.fileHandleForWriting.close()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Output(status: p.terminationStatus, stdout: o, stderr: String(decoding: e, as: UTF8.self))
    }

    /// A fresh temporary file path.
    static func tempPath(_ name: String) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("charm-tests-\(getpid())")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent("\(UUID().uuidString)-\(name)").path
    }

    /// Runs `body` with an emitter that writes into a file, and returns the file's bytes.
    static func captureEmitter(_ body: (CharmOutput) throws -> Void) rethrows -> [UInt8] {
        let path = tempPath("emitter.out")
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        precondition(fd >= 0)
        try body(CharmOutput(fileDescriptor: fd))
        close(fd)
        return Array((try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data())
    }
}

/// An exporter that records every event it is handed, with the envelope.
final class RecordingExporter: TelemetryHookExporter, @unchecked Sendable {
    private let lock = NSLock()
    private var _events: [TelemetryEvent] = []
    var events: [TelemetryEvent] { lock.withLock { _events } }

    private func record() {
        guard let e = TelemetryContext.event else { return }
        lock.withLock { _events.append(e) }
    }

    func onRunStart(runID: String, inputs: JSONObject) { record() }
    func onRunEnd(runID: String, outputs: JSONObject) { record() }
    func onError(runID: String, error: TelemetryError) { record() }
    func onToolStart(toolName: String, inputStr: String) { record() }
    func onToolEnd(toolName: String, output: String) { record() }
    func onToolError(toolName: String, error: TelemetryError) { record() }
    func onLLMNewToken(token: String) { record() }
    func onAgentAction(tool: String, toolInput: String) { record() }
}

/// An event-first exporter that records every event, `llm_call` included.
final class EventLog: TelemetryExporter, @unchecked Sendable {
    private let lock = NSLock()
    private var _events: [TelemetryEvent] = []
    var events: [TelemetryEvent] { lock.withLock { _events } }
    func handle(_ event: TelemetryEvent) throws { lock.withLock { _events.append(event) } }
}
