#ifndef CJEMALLOC_SHIM_H
#define CJEMALLOC_SHIM_H
// Linked for its malloc, which replaces glibc's for the whole process (see
// Sources/prioritizer/Allocator.swift); nothing of its own API is called.
#include <jemalloc/jemalloc.h>
#endif
