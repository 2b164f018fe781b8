#ifndef CLIBCRYPTO_SHIM_H
#define CLIBCRYPTO_SHIM_H
// OpenSSL's libcrypto, for SHA-256 alone (Sources/Prioritization/SHA256Digest.swift). libpq is
// linked against it already, and libpq-dev brings its headers (libssl-dev).
#include <openssl/sha.h>
#endif
