#include "cncurses_shim.h"
