/// A piece of a terminal UI that owns its state, changes it in `update` and draws itself in
/// `render`: the shape of Bubble Tea's bubbles (each component its own model, update and
/// view) and ratatui's `StatefulWidget` (a widget drawn into an area of a buffer with its
/// state beside it).
///
/// The toolkit fixes only the shape; an application chooses what flows through it. Both
/// functions stay pure: `update` reads what it does not own from `context` and says what
/// the owner should do as effects; `render` draws from `view`, a small value the owner
/// builds from its data for this frame (what is visible, not the whole history), so drawing
/// can happen away from where the data lives and be tested as text.
package protocol Component {
    /// What the component reacts to: an application's actions (keys already matched
    /// through a `KeyMap`), scrolls, clicks.
    associatedtype Action
    /// What it asks its owner to do in return.
    associatedtype Effect
    /// What `update` reads but does not own: the data it lists, its size, the time.
    associatedtype Context
    /// What `render` draws from: the component's slice of a frame's view-model.
    associatedtype View
    /// What it draws with: a `Grid` plus the application's theme and drawing helpers.
    associatedtype Canvas

    /// Applies `action` to the component's own state.
    mutating func update(_ action: Action, context: Context) -> [Effect]

    /// Draws the component into `area` of `canvas`.
    func render(_ view: View, into canvas: inout Canvas, area: Rect)
}
