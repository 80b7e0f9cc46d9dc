extension Duration {
    /// This duration in whole nanoseconds, within `0...Int64.max`: a negative one is none, and one
    /// too long to count (a timeout of `.seconds(.max)`, some 292 billion years, whose
    /// `components` cannot even be formed once a grace is added) is the most there is, so a wait
    /// converts it without trapping on overflow. Compared before it is split: comparisons never
    /// overflow.
    package var clampedNanoseconds: Int64 {
        if self <= .zero { return 0 }
        if self >= .nanoseconds(Int64.max) { return Int64.max }
        let c = components
        return c.seconds * 1_000_000_000 + c.attoseconds / 1_000_000_000
    }
}
