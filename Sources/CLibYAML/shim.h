#ifndef DUWTJE_CLIBYAML_SHIM_H
#define DUWTJE_CLIBYAML_SHIM_H
#include <yaml.h>
#endif
