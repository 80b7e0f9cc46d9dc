// System zlib (zlib1g-dev on Debian; part of the SDK on macOS), used for gzip request bodies.
#include <zlib.h>
