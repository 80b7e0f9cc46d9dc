// Everything is inline in include/cycle_counter.h; a C target needs one source file.
#include "cycle_counter.h"
