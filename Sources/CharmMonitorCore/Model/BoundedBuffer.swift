/// A first-in, first-out buffer that keeps at most `capacity` elements, dropping the oldest.
///
/// A ring over a fixed array: appending is O(1) with no shifting, which matters when a
/// flood of raw prints arrives at hundreds of thousands of lines a second.
package struct BoundedBuffer<Element: Sendable & Hashable>: Sendable, Hashable, RandomAccessCollection {
    private var storage: [Element] = []
    private var head = 0
    /// The most elements kept.
    package let capacity: Int
    /// Elements dropped because the buffer was full.
    package private(set) var dropped = 0

    /// An empty buffer keeping at most `capacity` elements.
    package init(capacity: Int) { self.capacity = Swift.max(1, capacity) }

    /// Appends, dropping the oldest element when full.
    package mutating func append(_ e: Element) {
        if storage.count < capacity {
            storage.append(e)
        } else {
            storage[head] = e
            head = head + 1 == capacity ? 0 : head + 1
            dropped += 1
        }
    }

    /// The position of the oldest element.
    package var startIndex: Int { 0 }
    /// One past the newest element.
    package var endIndex: Int { storage.count }

    /// The element at `i`, oldest first.
    package subscript(i: Int) -> Element {
        let j = head + i
        return storage[j < storage.count ? j : j - storage.count]
    }
}
