#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension UnsafeBufferPointer<UInt8> {
    /// The bytes after `prefix` when the buffer starts with it.
    func after(prefix: StaticString) -> UnsafeBufferPointer<UInt8>? {
        let n = prefix.utf8CodeUnitCount
        guard count >= n else { return nil }
        let p = prefix.utf8Start
        for k in 0..<n where self[k] != p[k] { return nil }
        return UnsafeBufferPointer(rebasing: self[n...])
    }

    /// The index just after the first occurrence of `needle`.
    func find(_ nb: [UInt8]) -> Int? {
        guard count >= nb.count, let base = baseAddress else { return nil }
        if memcmp(base, nb, nb.count) == 0 { return nb.count }
        var i = 1
        let last = count - nb.count
        while i <= last {
            guard let p = memchr(base + i, Int32(nb[0]), last - i + 1) else { return nil }
            let at = base.distance(to: p.assumingMemoryBound(to: UInt8.self))
            if memcmp(base + at, nb, nb.count) == 0 { return at + nb.count }
            i = at + 1
        }
        return nil
    }
}
