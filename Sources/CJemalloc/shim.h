#ifndef CJEMALLOC_SHIM_H
#define CJEMALLOC_SHIM_H
// Linked for its malloc, which replaces glibc's for the whole process; of its own API only
// mallctl("version") is called (Sources/prioritizer/Allocator.swift).
#include <jemalloc/jemalloc.h>
#endif
