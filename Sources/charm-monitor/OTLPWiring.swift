import CharmMonitorCore
import CharmOTLP
import CharmTelemetry

/// The OTLP receivers the flags asked for, feeding the engine through one `OTLPIngest`.
struct OTLPReceivers: Sendable {
    let ingest: OTLPIngest
    let http: OTLPHTTPServer?
    let grpc: OTLPGRPCServer?
    private let ticker: Task<Void, Never>

    /// The lines to print once listening: `otlp-http listening on HOST:PORT`.
    var announcements: [String] {
        var lines: [String] = []
        if let http { lines.append("otlp-http listening on \(http.host):\(http.port)") }
        if let grpc { lines.append("otlp-grpc listening on \(grpc.host):\(grpc.port)") }
        return lines
    }

    /// Starts a receiver on each address given; throws when one cannot listen (what started
    /// is stopped first).
    static func start(
        engine: MonitorEngine, http: (host: String, port: Int)?, grpc: (host: String, port: Int)?, token: String?
    ) async throws -> OTLPReceivers {
        let ingest = OTLPIngest(log: { lines in engine.log(lines.map { (text: $0.text, source: SourceID($0.source), at: $0.at) }) }) {
            events, source in engine.ingest(events: events, from: SourceID(source))
        }
        let options = OTLPReceiverOptions(token: token)
        var server: OTLPHTTPServer?
        if let http {
            do {
                server = try await OTLPHTTPServer.start(host: http.host, port: http.port, ingest: ingest, options: options)
            } catch {
                throw OTLPStartError(description: "otlp-http \(http.host):\(http.port): cannot listen: \(error)")
            }
        }
        var grpcServer: OTLPGRPCServer?
        if let grpc {
            do {
                grpcServer = try await OTLPGRPCServer.start(host: grpc.host, port: grpc.port, ingest: ingest, options: options)
            } catch {
                await server?.close()
                throw OTLPStartError(description: "otlp-grpc \(grpc.host):\(grpc.port): cannot listen: \(error)")
            }
        }
        // Twice a second: traces whose parents never came are given up on, and the screen's
        // placeholders for traces still waiting are brought up to date.
        let ticker = Task.detached {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(500))
                ingest.tick()
                engine.setPendingTraces(ingest.pendingTraces.map { t in
                    PendingTrace(
                        traceID: t.traceID, source: SourceID(OTLPIngest.sourceName(service: t.service)), agents: t.agents,
                        tools: t.tools, llmCalls: t.llmCalls, others: t.others, start: t.start)
                })
            }
        }
        return OTLPReceivers(ingest: ingest, http: server, grpc: grpcServer, ticker: ticker)
    }

    /// Stops listening and sends out every span still waiting for a parent, so nothing
    /// received is lost.
    func stop() async {
        ticker.cancel()
        await http?.close()
        await grpc?.close()
        ingest.finish()
    }
}

/// Why a receiver could not start.
struct OTLPStartError: Error, CustomStringConvertible {
    var description: String
}
