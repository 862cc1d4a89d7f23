// DREICHOR_CHECK(cond): an invariant that no input can break. When it fails the process has a
// bug, and continuing would corrupt state, so it prints where and aborts (in every build type).
// Never use it for anything a client, a file or the network can cause: those are Status values.
#pragma once

#include <cstdio>
#include <cstdlib>

#define DREICHOR_CHECK(cond)                                                              \
  do {                                                                                    \
    if (!(cond)) {                                                                        \
      std::fprintf(stderr, "%s:%d: invariant violated: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                       \
    }                                                                                     \
  } while (0)
