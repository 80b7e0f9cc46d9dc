// The monitor's views are drawn on the terminal toolkit's grid; re-exported so every user of
// the monitor core (the front end, the bench, tests) sees one vocabulary of cells and keys.
@_exported import CharmTerminalKit
