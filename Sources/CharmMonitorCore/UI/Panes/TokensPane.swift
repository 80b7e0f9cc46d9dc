import CharmTelemetry

/// The selected run's streamed tokens, wrapped, with a rate line and a sparkline on top.
/// Owns its scroll position, follow mode and the token-rate sampler.
struct TokensPane: MonitorPane {
    /// Lines scrolled up from the bottom (0 = the end).
    var scrollFromBottom = 0
    /// Whether the pane sticks to the end as tokens arrive.
    var follow = true
    /// Tokens-per-second samples of the selected run, oldest first, one per second.
    var rateSamples: [Double] = []
    /// The last sample point: run, token count and time.
    var sampleBase: UIState.TokenSample?

    /// What the pane draws: the run and only the tail of its text the pane can show.
    struct View: Sendable {
        /// The run shown (without its text: see `MonitorRun.forView`).
        var run: MonitorRun?
        /// The end of the run's text: enough for the rows shown plus the scroll offset.
        var tail = ""
        /// Whether the run streamed any text.
        var hasText = false
    }

    /// Builds the view: copies the tail of the text the pane can show, never the text (a
    /// megabyte, which the engine appends to while the frame is drawn).
    static func view(run: MonitorRun?, ui: UIState, layout: UILayout) -> View {
        guard let run else { return View() }
        let inner = layout.inner(.tokens)
        let rows = max(0, inner.height - 1)
        let shown = TokensPane.tail(of: run.text, width: inner.width, count: rows + ui.tokensPane.scrollFromBottom)
        return View(run: run.forView(), tail: shown, hasText: !run.text.isEmpty)
    }

    mutating func update(_ input: PaneInput, context: PaneContext) -> [PaneEffect] {
        if let delta = input.rows(page: max(1, context.visible(.tokens) - 1)) { scroll(by: delta, context: context) }
        return []
    }

    /// Scrolling up leaves follow mode; reaching the end again resumes it. Offsets are
    /// clamped to the content (wrapped at the pane's width), so `g` then `j` moves at once
    /// instead of first unwinding an offset past the top.
    private mutating func scroll(by delta: Int, context: PaneContext) {
        var next = max(0, scrollFromBottom.saturatingSubtract(delta))
        if next > 0, let run = context.selectedRun {
            let total = DisplayWidth.wrap(run.text, width: max(1, context.layout.inner(.tokens).width)).count
            next = min(next, max(0, total - context.visible(.tokens)))
        }
        scrollFromBottom = next
        follow = next == 0
    }

    /// `f`: follow on or off; on jumps to the end. Returns the footer message.
    mutating func toggleFollow() -> String {
        follow.toggle()
        if follow { scrollFromBottom = 0 }
        return follow ? "following the token stream" : "follow off"
    }

    /// The selected run starts over (another run, or back to following the newest).
    mutating func runMoved(resetScroll: Bool) {
        rateSamples = []
        if resetScroll { scrollFromBottom = 0 }
    }

    /// Takes one tokens-per-second sample of `run` a second, keeping the last 240.
    mutating func sample(_ run: MonitorRun, now: Timestamp) {
        guard let base = sampleBase, base.runID == run.id else {
            sampleBase = UIState.TokenSample(runID: run.id, tokens: run.tokenCount, at: now)
            rateSamples = []
            return
        }
        let elapsed = now.seconds(since: base.at)
        guard elapsed >= 1 else { return }
        rateSamples.append(Double(run.tokenCount - base.tokens) / elapsed)
        if rateSamples.count > 240 { rateSamples.removeFirst(rateSamples.count - 240) }
        sampleBase = UIState.TokenSample(runID: run.id, tokens: run.tokenCount, at: now)
    }

    func render(_ view: View, into p: inout UIPainter, area rect: Rect) {
        let focused = p.ui.focus == .tokens
        let note = follow ? "following" : "↑\(scrollFromBottom) · f follows"
        let inner = p.box(rect, title: view.run.map { "Tokens · \($0.id)" } ?? "Tokens", focused: focused, note: note)
        guard inner.height > 0 else { return }
        guard let run = view.run else {
            p.empty("select a run", in: inner)
            return
        }
        // Rate line: sparkline of tokens/s, the current rate and the count.
        let rate = run.tokensPerSecond(now: p.now)
        let info = " \(UIFormat.rate(rate)) tok/s · \(UIFormat.count(run.tokenCount)) tokens"
        let sparkWidth = max(0, min(rateSamples.count, inner.width - DisplayWidth.of(info) - 1))
        let spark = UIFormat.sparkline(rateSamples, width: sparkWidth)
        p.grid.put(spark, x: inner.x, y: inner.y, style: p.theme[.sparkline], maxWidth: sparkWidth)
        p.grid.put(info, x: inner.x + DisplayWidth.of(spark), y: inner.y, style: p.theme[.dim], maxWidth: inner.width - sparkWidth)

        let rows = max(0, inner.height - 1)
        guard rows > 0 else { return }
        guard view.hasText else {
            p.empty("no tokens streamed yet", in: inner.inset(top: 1))
            return
        }
        let lines = Array(DisplayWidth.wrap(view.tail, width: inner.width).suffix(rows + scrollFromBottom))
        let fromBottom = min(scrollFromBottom, max(0, lines.count - rows))
        let end = lines.count - fromBottom
        let start = max(0, end - rows)
        for (offset, line) in lines[start..<end].enumerated() {
            p.text(line, x: inner.x, y: inner.y + 1 + offset, width: inner.width, role: .text)
        }
    }

    /// The end of `text` that wraps (at `width`) to at least its last `count` lines, cut
    /// without wrapping the whole: the text may hold a megabyte. The cut falls on a line
    /// break where one is near, so the first line kept wraps the way the whole text would.
    static func tail(of text: String, width: Int, count: Int) -> String {
        let budget = (count + 2) * max(1, width) * 4
        guard text.utf8.count > budget else { return text }
        // Decoding a byte suffix may split a scalar; its first line is dropped anyway.
        let tail = String(decoding: text.utf8.suffix(budget), as: UTF8.self)
        if let newline = tail.firstIndex(of: "\n"), tail.utf8.distance(from: tail.startIndex, to: newline) < budget / 2 {
            return String(tail[tail.index(after: newline)...])
        }
        return String(tail.dropFirst())
    }
}
