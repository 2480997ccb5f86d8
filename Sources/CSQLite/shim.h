#ifndef DUWTJE_CSQLITE_SHIM_H
#define DUWTJE_CSQLITE_SHIM_H
#include <sqlite3.h>
#endif
