#ifndef DUWTJE_YAML_FLOOR_H
#define DUWTJE_YAML_FLOOR_H
#include <stddef.h>

/// libyaml's bare event parse of one buffer: every event is parsed and deleted, nothing is built.
/// Returns the number of events, or -1 when libyaml reports an error. The floor the loader is
/// measured against (issue 15): no tree, no strings, no checks can be cheaper than this.
long duwtje_yaml_floor_parse(const unsigned char *bytes, size_t length);

#endif
