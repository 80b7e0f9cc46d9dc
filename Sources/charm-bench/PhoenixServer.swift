#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import AsyncHTTPClient
import CharmTelemetry
import CharmWire
import Foundation
import NIOCore

/// Arize Phoenix's server on loopback, in a fresh working directory (its own SQLite
/// database), with its defaults otherwise: the peer of `charm-bench otlp-receive`.
final class PhoenixServer {
    /// Phoenix's version, as the package says.
    let version: String
    /// Its OTLP/HTTP endpoint.
    var tracesURL: String { "http://127.0.0.1:\(port)/v1/traces" }
    /// The server's process id (CPU is read for it and the processes below it).
    var pid: pid_t { process.pid }

    private let process: ChildProcess
    private let port: Int
    private let directory: URL

    /// Checks that `python` can run Phoenix and reports its version; throws a message that
    /// says how to install it otherwise.
    static func installedVersion(python: String) throws -> String {
        let p = Process()
        let pipe = Pipe()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [python, "-c", "import importlib.metadata as m, phoenix.server.main; print(m.version('arize-phoenix'))"]
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        try? p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let version = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard p.terminationStatus == 0, !version.isEmpty else {
            throw ValidationError("""
                Arize Phoenix cannot be run with \(python) (its server did not import). Install it, best in a \
                virtual environment of its own: python3 -m venv /tmp/phoenix && /tmp/phoenix/bin/pip install \
                arize-phoenix, then give --phoenix-python /tmp/phoenix/bin/python (docs/performance.md, "OTLP receive")
                """)
        }
        return version
    }

    /// Starts `python -m phoenix.server.main serve` on free loopback ports and waits until
    /// it answers `/healthz`.
    init(python: String, version: String, startTimeout: Double = 300) async throws {
        self.version = version
        port = try Self.freePort()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("charm-bench-phoenix-\(UUID().uuidString)")
        try? FileManager.default.removeItem(at: directory)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var environment = ProcessInfo.processInfo.environment
        environment["PHOENIX_WORKING_DIR"] = directory.path
        environment["PHOENIX_HOST"] = "127.0.0.1"
        environment["PHOENIX_PORT"] = String(port)
        environment["PHOENIX_GRPC_PORT"] = String(try Self.freePort())
        environment["PHOENIX_TELEMETRY_ENABLED"] = "false"
        let log = directory.appendingPathComponent("phoenix.log")
        process = try ChildProcess(
            python, ["-m", "phoenix.server.main", "serve"], environment: environment, stdout: log.path, stderr: log.path)
        let deadline = Date().addingTimeInterval(startTimeout)
        while true {
            if let status = try? await get("/healthz").status, status == 200 { return }
            let tail = (try? String(contentsOf: log, encoding: .utf8))?.split(separator: "\n").suffix(5).joined(separator: "\n") ?? ""
            if let status = process.poll() {
                stop()
                throw ValidationError("Phoenix exited with status \(status) while starting:\n\(tail)")
            }
            guard Date() < deadline else {
                stop()
                throw ValidationError("Phoenix did not answer /healthz within \(Int(startTimeout)) s:\n\(tail)")
            }
            try await Task.sleep(for: .milliseconds(250))
        }
    }

    /// Spans Phoenix has stored (over all projects), as its GraphQL API counts them.
    func storedSpans() async throws -> Int {
        let query = #"{"query":"{ projects { edges { node { recordCount } } } }"}"#
        let (status, body) = try await post("/graphql", json: query)
        guard status == 200, case .object(let o)? = try? JSONParser.parse(body),
            let edges = o["data"]?.objectValue?["projects"]?.objectValue?["edges"]?.arrayValue
        else {
            throw ValidationError("Phoenix's GraphQL API answered \(status): \(body.prefix(300))")
        }
        return edges.reduce(0) { $0 + Int($1.objectValue?["node"]?.objectValue?["recordCount"]?.intValue ?? 0) }
    }

    /// Stops the server and removes its working directory.
    func stop() {
        process.terminate()
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { stop() }

    private func get(_ path: String) async throws -> (status: Int, body: String) {
        try await request(HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)"))
    }

    private func post(_ path: String, json: String) async throws -> (status: Int, body: String) {
        var r = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        r.method = .POST
        r.headers.add(name: "content-type", value: "application/json")
        r.body = .bytes(ByteBuffer(string: json))
        return try await request(r)
    }

    private func request(_ r: HTTPClientRequest) async throws -> (status: Int, body: String) {
        let response = try await HTTPClient.shared.execute(r, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(buffer: body))
    }

    /// A loopback port nothing listens on now (the kernel's choice for port 0).
    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ValidationError("socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw ValidationError("cannot find a free port: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
