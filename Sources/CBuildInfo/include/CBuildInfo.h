#ifndef DUWTJE_C_BUILD_INFO_H
#define DUWTJE_C_BUILD_INFO_H

/// The version and commit `scripts/build-deb.sh` links into the binary (as the strong definitions
/// of `duwtje_build_version` and `duwtje_build_commit`), or NULL in a plain `swift build`.
const char *_Nullable duwtje_build_version_string(void);
const char *_Nullable duwtje_build_commit_string(void);

#endif
