/// A first-in, first-out buffer that keeps at most `capacity` elements, dropping the oldest.
///
/// A ring over a fixed array: appending is O(1) with no shifting, which matters when a
/// flood of raw prints arrives at hundreds of thousands of lines a second.
public struct BoundedBuffer<Element: Sendable & Hashable>: Sendable, Hashable, RandomAccessCollection {
    private var storage: [Element] = []
    private var head = 0
    /// The most elements kept.
    public let capacity: Int
    /// Elements dropped because the buffer was full.
    public private(set) var dropped = 0

    /// An empty buffer keeping at most `capacity` elements.
    public init(capacity: Int) { self.capacity = Swift.max(1, capacity) }

    /// Appends, dropping the oldest element when full.
    public mutating func append(_ e: Element) {
        if storage.count < capacity {
            storage.append(e)
        } else {
            storage[head] = e
            head = head + 1 == capacity ? 0 : head + 1
            dropped += 1
        }
    }

    /// The position of the oldest element.
    public var startIndex: Int { 0 }
    /// One past the newest element.
    public var endIndex: Int { storage.count }

    /// The element at `i`, oldest first.
    public subscript(i: Int) -> Element {
        let j = head + i
        return storage[j < storage.count ? j : j - storage.count]
    }
}
