#ifndef FLOWLOG_CSQLITE_SHIM_H
#define FLOWLOG_CSQLITE_SHIM_H
#include <sqlite3.h>

/// SQLITE_TRANSIENT is a cast of -1 to a function pointer, which Swift cannot import.
static inline sqlite3_destructor_type flowlog_sqlite_transient(void) {
    return SQLITE_TRANSIENT;
}

/// sqlite3_db_config is variadic; this exposes the one form flowlog uses.
static inline int flowlog_sqlite_db_config_int(sqlite3 *db, int op, int value) {
    return sqlite3_db_config(db, op, value, (int *)0);
}
/// sqlite3_config is variadic; this turns off memory statistics (call before sqlite3_initialize).
static inline int flowlog_sqlite_disable_memstatus(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}
#endif
