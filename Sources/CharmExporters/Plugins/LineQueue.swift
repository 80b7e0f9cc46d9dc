/// A FIFO of lines with O(1) pops: an array read from a moving head, compacted when the
/// consumed prefix dominates. (CharmExporters does not depend on swift-collections' Deque,
/// and this queue only ever appends at the back and pops at the front.)
struct LineQueue {
    private var storage: [[UInt8]] = []
    private var head = 0

    var count: Int { storage.count - head }
    var isEmpty: Bool { head == storage.count }

    mutating func append(_ line: [UInt8]) { storage.append(line) }

    mutating func removeFirst() -> [UInt8] {
        let line = storage[head]
        storage[head] = []
        head += 1
        if head >= 1024 && head * 2 >= storage.count {
            storage.removeFirst(head)
            head = 0
        }
        return line
    }
}
