#include "CBuildInfo.h"

// Weak references: resolved to the object file scripts/build-deb.sh links in, or to NULL without
// it. A new version therefore only relinks the binary; nothing is recompiled.
extern const char duwtje_build_version[] __attribute__((weak));
extern const char duwtje_build_commit[] __attribute__((weak));

const char *_Nullable duwtje_build_version_string(void) { return duwtje_build_version; }
const char *_Nullable duwtje_build_commit_string(void) { return duwtje_build_commit; }
