// The ncurses layer; written next.
