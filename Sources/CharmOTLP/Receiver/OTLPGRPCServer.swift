import GRPCCore
import NIOPosix
import GRPCNIOTransportHTTP2Posix
import GRPCProtobuf
import OTLPProto
import Synchronization

/// The OTLP/gRPC receiver: the trace and logs services of opentelemetry-proto on
/// grpc-swift-2's HTTP/2 transport, with gzip and deflate accepted, the bearer token checked
/// in the `authorization` metadata, and UNAVAILABLE (which senders retry) while the monitor
/// is at its bound of requests in flight.
package final class OTLPGRPCServer: Sendable {
    private let server: GRPCServer<HTTP2ServerTransport.Posix>
    private let serving: Task<Void, any Error>
    /// The address it listens on (with the port chosen when 0 was asked for).
    package let host: String
    package let port: Int

    private init(server: GRPCServer<HTTP2ServerTransport.Posix>, serving: Task<Void, any Error>, host: String, port: Int) {
        self.server = server
        self.serving = serving
        self.host = host
        self.port = port
    }

    /// Listens on `host:port` (port 0 picks a free one); returns once bound.
    package static func start(
        host: String, port: Int, ingest: OTLPIngest, options: OTLPReceiverOptions
    ) async throws -> OTLPGRPCServer {
        let address: GRPCNIOTransportCore.SocketAddress =
            host.contains(":") ? .ipv6(host: host, port: port) : .ipv4(host: host, port: port)
        let transport = HTTP2ServerTransport.Posix(
            address: address, transportSecurity: .plaintext,
            config: .defaults { config in
                config.rpc.maxRequestPayloadSize = options.maxBodyBytes
                config.compression.enabledAlgorithms = [.gzip, .deflate]
                // Memory per connection is bounded by its streams (each up to the payload
                // limit); a connection that stays silent is closed.
                config.http2.maxConcurrentStreams = 8
                config.connection.maxIdleTime = .seconds(300)
            })
        let apply = Applier(ingest: ingest, limit: options.maxRequestsInFlight)
        let services: [any RegistrableRPCService] = [TraceService(apply: apply), LogsService(apply: apply)]
        let server = GRPCServer(transport: transport, services: services, interceptors: [TokenInterceptor(options: options)])
        let serving = Task { try await server.serve() }
        do {
            let bound = try await transport.listeningAddress
            let port = bound.ipv4?.port ?? bound.ipv6?.port ?? port
            return OTLPGRPCServer(server: server, serving: serving, host: host, port: port)
        } catch {
            server.beginGracefulShutdown()
            serving.cancel()
            throw error
        }
    }

    /// Stops accepting; RPCs being answered get `grace` to finish, then are cut (a client
    /// that opened a stream and never ended it must not keep the monitor from exiting).
    package func close(grace: Duration = .seconds(2)) async {
        server.beginGracefulShutdown()
        let serving = self.serving
        let timer = Task {
            try await Task.sleep(for: grace)
            serving.cancel()
        }
        _ = try? await serving.value
        timer.cancel()
    }
}

/// Refuses an RPC without the bearer token with UNAUTHENTICATED.
private struct TokenInterceptor: ServerInterceptor {
    let options: OTLPReceiverOptions

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>, context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        let header = request.metadata[stringValues: "authorization"].first(where: { _ in true })
        guard options.authorizes(header) else {
            throw RPCError(code: .unauthenticated, message: "missing or wrong bearer token in authorization")
        }
        return try await next(request, context)
    }
}

/// Applies requests for both services: at most `limit` at once, on NIO's blocking thread
/// pool (applying waits on the assembler's and the engine's locks, which must not hold up
/// Swift's cooperative threads, where the monitor's own tasks run).
private final class Applier: Sendable {
    let ingest: OTLPIngest
    let limit: Int
    /// Relaxed: the counter is its own bound and orders nothing else.
    private let count = Atomic<Int>(0)

    init(ingest: OTLPIngest, limit: Int) {
        self.ingest = ingest
        self.limit = limit
    }

    func callAsFunction(_ body: @escaping @Sendable (OTLPIngest) -> OTLPIngest.Outcome) async throws -> OTLPIngest.Outcome {
        let n = count.add(1, ordering: .relaxed).newValue
        defer { count.subtract(1, ordering: .relaxed) }
        guard n <= limit else { throw RPCError(code: .unavailable, message: "the monitor is busy; retry later") }
        let ingest = self.ingest
        return try await NIOThreadPool.singleton.runIfActive { body(ingest) }
    }
}

private struct TraceService: Opentelemetry_Proto_Collector_Trace_V1_TraceService.SimpleServiceProtocol {
    let apply: Applier

    func export(
        request: Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest, context: ServerContext
    ) async throws -> Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceResponse {
        try await apply { $0.receive(request) }.traceResponse
    }
}

private struct LogsService: Opentelemetry_Proto_Collector_Logs_V1_LogsService.SimpleServiceProtocol {
    let apply: Applier

    func export(
        request: Opentelemetry_Proto_Collector_Logs_V1_ExportLogsServiceRequest, context: ServerContext
    ) async throws -> Opentelemetry_Proto_Collector_Logs_V1_ExportLogsServiceResponse {
        try await apply { $0.receive(request) }.logsResponse
    }
}
