#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Runs the built `charm-monitor` binary. The test bundle lives in the products directory
/// of the current build (`.build-*/debug/`), so the binary is its sibling; failing that,
/// the package root (found from this file's path) is searched for any build directory.
enum Monitor {
    static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }()

    static let binary: String? = {
        let fm = FileManager.default
        var candidates: [URL] = []
        for arg in [CommandLine.arguments.first, Bundle.main.executablePath].compactMap({ $0 }) {
            var dir = URL(fileURLWithPath: arg).resolvingSymlinksInPath()
            // xctest bundles on macOS nest the executable a few levels deep.
            for _ in 0..<5 {
                dir.deleteLastPathComponent()
                candidates.append(dir.appendingPathComponent("charm-monitor"))
            }
        }
        if let items = try? fm.contentsOfDirectory(atPath: packageRoot.path) {
            for d in items.sorted() where d.hasPrefix(".build") {
                candidates.append(packageRoot.appendingPathComponent(d).appendingPathComponent("debug/charm-monitor"))
            }
        }
        return candidates.first { fm.isExecutableFile(atPath: $0.path) }?.path
    }()

    /// Another product of the same build, next to `charm-monitor`.
    static func sibling(_ name: String) throws -> String {
        guard let binary else { throw MonitorError(message: "charm-monitor binary not found next to the tests") }
        let path = URL(fileURLWithPath: binary).deletingLastPathComponent().appendingPathComponent(name).path
        guard FileManager.default.isExecutableFile(atPath: path) else { throw MonitorError(message: "\(path) not built") }
        return path
    }

    static let fixtures = packageRoot.appendingPathComponent("Tests/Fixtures")

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `charm-monitor` with `arguments`, feeding `stdin` (or /dev/null when nil).
    static func run(_ arguments: [String], stdin: [UInt8]? = nil, timeout: Double = 60) throws -> Result {
        guard let binary else { throw MonitorError(message: "charm-monitor binary not found next to the tests") }
        return try runProcess(binary, arguments, stdin: stdin, timeout: timeout)
    }

    static func runProcess(_ path: String, _ arguments: [String], stdin: [UInt8]? = nil, timeout: Double = 60) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        let input = Pipe()
        if stdin != nil { p.standardInput = input } else { p.standardInput = FileHandle.nullDevice }
        try p.run()
        if let stdin {
            let writer = input.fileHandleForWriting
            Thread.detachNewThread {
                writer.write(Data(stdin))
                try? writer.close()
            }
        }
        let outData = Mutex2()
        let errData = Mutex2()
        let g = DispatchGroup()
        g.enter()
        Thread.detachNewThread { outData.set(out.fileHandleForReading.readDataToEndOfFile()); g.leave() }
        g.enter()
        Thread.detachNewThread { errData.set(err.fileHandleForReading.readDataToEndOfFile()); g.leave() }
        if g.wait(timeout: .now() + timeout) == .timedOut {
            p.terminate()
            throw MonitorError(message: "\(path) timed out")
        }
        p.waitUntilExit()
        return Result(
            status: p.terminationStatus, stdout: String(decoding: outData.get(), as: UTF8.self),
            stderr: String(decoding: errData.get(), as: UTF8.self))
    }

    /// The real charmos SDK's output for the scripted session, in `framing` ("stdout" or "sse").
    static func charmosSession(framing: String) throws -> [UInt8] {
        let script = fixtures.appendingPathComponent("charmos_session.py").path
        let r = try runProcess("/usr/bin/env", ["python3", script, "--framing", framing])
        guard r.status == 0 else { throw MonitorError(message: "charmos_session.py failed: \(r.stderr)") }
        return Array(r.stdout.utf8)
    }

    /// Parses the summary with Foundation (independently of the library's own parser).
    static func summary(_ r: Result) throws -> [String: Any] {
        let line = r.stdout.split(separator: "\n").last.map(String.init) ?? ""
        guard let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw MonitorError(message: "not a JSON object: \(r.stdout)")
        }
        return obj
    }
}

struct MonitorError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// A tiny lock-protected Data box (the E2E target links no project modules).
final class Mutex2: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func set(_ d: Data) { lock.lock(); data = d; lock.unlock() }
    func get() -> Data { lock.lock(); defer { lock.unlock() }; return data }
}

/// Lines that must never cost a valid event, in every framing.
enum Garbage {
    static let stdout: [UInt8] = Array("not json at all\n__CHARM_EVENT__{\"type\": \n".utf8) + [0xFF, 0xFE, 0xC3, 0x0A]
    static let sse: [UInt8] = Array("data: {broken\n\n: comment\n\n".utf8) + [0xFF, 0x0A, 0x0A]
}
