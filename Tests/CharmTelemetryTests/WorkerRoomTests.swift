import Testing

@testable import CharmTelemetry

@Suite("A waiting producer's view of an exporter's room")
struct WorkerRoomTests {
    @Test("a reader past a stale end has room; one a window behind has none")
    func staleEndIsNotFull() {
        // The worker took events after the producer read `end`: its cursor is past it.
        #expect(ExporterWorker.hasRoom(end: 100, cursor: 130, window: 64, need: 1))
        #expect(ExporterWorker.hasRoom(end: 100, cursor: 100, window: 64, need: 32))
        #expect(ExporterWorker.hasRoom(end: 100, cursor: 90, window: 64, need: 32))
        #expect(!ExporterWorker.hasRoom(end: 100, cursor: 60, window: 64, need: 32))
        #expect(!ExporterWorker.hasRoom(end: 100, cursor: 36, window: 64, need: 1))
    }
}
