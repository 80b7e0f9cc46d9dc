// What Swift cannot import from curses.h: attribute and mouse macros, the globals
// stdscr/COLORS/COLOR_PAIRS, wcwidth, and a signal guard that restores the terminal.
#ifndef CNCURSES_SHIM_H
#define CNCURSES_SHIM_H

// curses.h as the CNCursesW module imports it (wide characters on), so both see the same
// declarations: the feature macros are set in that one header.
#include "../../CNCursesW/shim.h"

// Bits in the same order as CharmMonitorCore.CellAttributes.
#define CN_ATTR_BOLD      (1u << 0)
#define CN_ATTR_DIM       (1u << 1)
#define CN_ATTR_ITALIC    (1u << 2)
#define CN_ATTR_UNDERLINE (1u << 3)
#define CN_ATTR_REVERSE   (1u << 4)
#define CN_ATTR_BLINK     (1u << 5)

/// curses attributes (A_BOLD, ...) for CellAttributes bits.
attr_t cn_attributes(unsigned int flags);

/// The standard screen of the current SCREEN (stdscr is a global Swift 6 rejects).
WINDOW *cn_stdscr(void);
/// Number of colours / colour pairs of the current terminal (globals COLORS, COLOR_PAIRS).
int cn_colors(void);
int cn_color_pairs(void);

/// The C library's wcwidth, which Glibc does not export to Swift.
int cn_wcwidth(wchar_t c);
/// True when the locale's codeset is UTF-8 (nl_langinfo(CODESET)).
int cn_locale_is_utf8(void);

/// Mouse masks (composite macros in curses.h).
mmask_t cn_mouse_all_events(void);
mmask_t cn_mouse_button_pressed(void);
mmask_t cn_mouse_button_released(void);
mmask_t cn_mouse_button_clicked(void);
mmask_t cn_mouse_wheel_up(void);
mmask_t cn_mouse_wheel_down(void);

/// Installs sigaction handlers. INT/TERM/HUP only set a flag, taken by
/// cn_take_interrupt(); a second one before the first was taken restores the terminal and
/// re-raises (a forced quit). Crash signals (SEGV, ILL, TRAP, ABRT, BUS, FPE) restore the
/// terminal, put back the saved stderr, restore the previous handler and re-raise, so the
/// Swift backtrace still prints. Returns 0 on success.
int cn_install_signal_guard(void);
/// Puts the previous handlers back. Safe to call more than once.
void cn_remove_signal_guard(void);
/// The pending quit signal (0 if none), clearing it.
int cn_take_interrupt(void);
/// Tells the crash path which descriptor holds the real stderr (-1: none) and where the
/// log of redirected stderr is, so a crash message reaches the user.
void cn_guard_set_stderr(int saved_fd, const char *log_path);

#endif
