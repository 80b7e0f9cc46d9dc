import AsyncHTTPClient
import NIOPosix

/// The HTTP client every delivery engine posts through: one per process, on one event loop of
/// its own, never shut down (like `HTTPClient.shared`, whose configuration it keeps).
///
/// Why not `HTTPClient.shared`, whose group has an event loop per core: AsyncHTTPClient 1.37.0
/// kills the process with "A connection that we don't know was released?"
/// (HTTPConnectionPool+HTTP1Connections.swift:502) when a POST is answered before the client
/// has written its request end and the server closes the connection just after answering. The
/// connection goes back to the pool only when the end's write is confirmed
/// (HTTP1ClientChannelHandler.swift:258-279), and that confirmation is a promise of the
/// request's event loop (RequestBag.swift:240-247) hopped back to the connection's. With two
/// loops a close fits in between: the pool drops the connection, which it still thinks leased,
/// and the late release hits the precondition. With one loop the request and its connections
/// share it, the confirmation runs in the same tick as the write, and no close comes between.
/// Exporters post a few small requests a second, which one loop carries easily; and the host
/// agent's own use of `HTTPClient.shared` never competes with them.
package enum DeliveryClient {
    /// The client, created on first use.
    package static let shared = HTTPClient(
        eventLoopGroup: MultiThreadedEventLoopGroup(numberOfThreads: 1), configuration: .singletonConfiguration)
}
