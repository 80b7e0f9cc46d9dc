#include "cncurses_shim.h"

#include <errno.h>
#include <langinfo.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

attr_t cn_attributes(unsigned int flags) {
    attr_t result = A_NORMAL;
    if (flags & CN_ATTR_BOLD) result |= A_BOLD;
    if (flags & CN_ATTR_DIM) result |= A_DIM;
    if (flags & CN_ATTR_ITALIC) result |= A_ITALIC;
    if (flags & CN_ATTR_UNDERLINE) result |= A_UNDERLINE;
    if (flags & CN_ATTR_REVERSE) result |= A_REVERSE;
    if (flags & CN_ATTR_BLINK) result |= A_BLINK;
    return result;
}

WINDOW *cn_stdscr(void) { return stdscr; }
int cn_colors(void) { return COLORS; }
int cn_color_pairs(void) { return COLOR_PAIRS; }
int cn_wcwidth(wchar_t c) { return wcwidth(c); }

int cn_locale_is_utf8(void) {
    const char *codeset = nl_langinfo(CODESET);
    return codeset != NULL && (strcmp(codeset, "UTF-8") == 0 || strcmp(codeset, "utf8") == 0);
}

mmask_t cn_mouse_all_events(void) { return ALL_MOUSE_EVENTS; }
mmask_t cn_mouse_button_pressed(void) { return BUTTON1_PRESSED | BUTTON2_PRESSED | BUTTON3_PRESSED; }
mmask_t cn_mouse_button_released(void) { return BUTTON1_RELEASED | BUTTON2_RELEASED | BUTTON3_RELEASED; }
mmask_t cn_mouse_button_clicked(void) { return BUTTON1_CLICKED | BUTTON2_CLICKED | BUTTON3_CLICKED; }
mmask_t cn_mouse_wheel_up(void) { return BUTTON4_PRESSED; }
mmask_t cn_mouse_wheel_down(void) { return BUTTON5_PRESSED; }

// ---- signal guard -------------------------------------------------------------------

static const int quit_signals[] = {SIGINT, SIGTERM, SIGHUP};
static const int crash_signals[] = {SIGSEGV, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE};
#define QUIT_COUNT (sizeof quit_signals / sizeof quit_signals[0])
#define CRASH_COUNT (sizeof crash_signals / sizeof crash_signals[0])

static struct sigaction previous_quit[QUIT_COUNT];
static struct sigaction previous_crash[CRASH_COUNT];
static volatile sig_atomic_t installed = 0;
static volatile sig_atomic_t pending_interrupt = 0;
static volatile sig_atomic_t saved_stderr = -1;
static char log_path_message[512];

static struct sigaction *previous_for(int sig) {
    for (size_t i = 0; i < QUIT_COUNT; i++) if (quit_signals[i] == sig) return &previous_quit[i];
    for (size_t i = 0; i < CRASH_COUNT; i++) if (crash_signals[i] == sig) return &previous_crash[i];
    return NULL;
}

// endwin() is not formally async-signal-safe, but it only writes the terminal's reset
// sequences and restores termios; leaving the user in raw mode on the alternate screen
// is worse. Everything else here is async-signal-safe.
static void restore_terminal_and_reraise(int sig) {
    if (!isendwin()) endwin();
    if (saved_stderr >= 0) {
        dup2(saved_stderr, STDERR_FILENO);
        if (log_path_message[0] != '\0') {
            ssize_t ignored = write(STDERR_FILENO, log_path_message, strlen(log_path_message));
            (void)ignored;
        }
    }
    struct sigaction *previous = previous_for(sig);
    if (previous != NULL) sigaction(sig, previous, NULL);
    raise(sig);
}

static void on_quit_signal(int sig) {
    if (pending_interrupt != 0) {
        // A second request while the first is still unanswered: the loop is stuck.
        restore_terminal_and_reraise(sig);
        return;
    }
    pending_interrupt = sig;
}

static void on_crash_signal(int sig) {
    int saved_errno = errno;
    restore_terminal_and_reraise(sig);
    errno = saved_errno;
}

int cn_install_signal_guard(void) {
    if (installed) return 0;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    sigemptyset(&action.sa_mask);
    action.sa_handler = on_quit_signal;
    for (size_t i = 0; i < QUIT_COUNT; i++) {
        if (sigaction(quit_signals[i], &action, &previous_quit[i]) != 0) return -1;
    }
    action.sa_handler = on_crash_signal;
    // SA_RESETHAND is not used: the handler restores the *previous* handler (Swift's
    // backtracer), not SIG_DFL.
    for (size_t i = 0; i < CRASH_COUNT; i++) {
        if (sigaction(crash_signals[i], &action, &previous_crash[i]) != 0) return -1;
    }
    pending_interrupt = 0;
    installed = 1;
    return 0;
}

void cn_remove_signal_guard(void) {
    if (!installed) return;
    for (size_t i = 0; i < QUIT_COUNT; i++) sigaction(quit_signals[i], &previous_quit[i], NULL);
    for (size_t i = 0; i < CRASH_COUNT; i++) sigaction(crash_signals[i], &previous_crash[i], NULL);
    installed = 0;
}

int cn_take_interrupt(void) {
    int sig = pending_interrupt;
    pending_interrupt = 0;
    return sig;
}

void cn_guard_set_stderr(int saved_fd, const char *log_path) {
    saved_stderr = saved_fd;
    log_path_message[0] = '\0';
    if (log_path != NULL && log_path[0] != '\0') {
        const char *prefix = "charm-monitor: terminal restored; stderr of this run is in ";
        size_t prefix_length = strlen(prefix), path_length = strlen(log_path);
        if (prefix_length + path_length + 2 < sizeof log_path_message) {
            memcpy(log_path_message, prefix, prefix_length);
            memcpy(log_path_message + prefix_length, log_path, path_length);
            log_path_message[prefix_length + path_length] = '\n';
            log_path_message[prefix_length + path_length + 1] = '\0';
        }
    }
}
