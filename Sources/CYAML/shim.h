#ifndef FLOWLOG_CYAML_SHIM_H
#define FLOWLOG_CYAML_SHIM_H
#include <yaml.h>
#endif
