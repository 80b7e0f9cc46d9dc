// The processor's cycle counter, which Swift cannot read: CharmTelemetry's wall clock
// (Timestamp.now) extrapolates CLOCK_REALTIME from it between anchors. Static inline, so the
// read compiles into the caller (one rdtsc), with no call.
#ifndef CHARM_CYCLE_COUNTER_H
#define CHARM_CYCLE_COUNTER_H

#include <stdint.h>

/// 1 where charm_cycle_counter() reads a counter, 0 where it always returns 0.
static inline int charm_cycle_counter_available(void) {
#if defined(__x86_64__) || defined(__i386__)
    return 1;
#else
    return 0;
#endif
}

/// The time-stamp counter (x86 rdtsc); 0 on other architectures.
static inline uint64_t charm_cycle_counter(void) {
#if defined(__x86_64__) || defined(__i386__)
    return __builtin_ia32_rdtsc();
#else
    return 0;
#endif
}

#endif
