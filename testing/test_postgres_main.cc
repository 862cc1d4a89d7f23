// dreichor-test-postgres: the ctest fixture that gives a whole test run one PostgreSQL server.
//
//   dreichor-test-postgres start DIR   starts a server in DIR, writes its URL to DIR/url, exits
//   dreichor-test-postgres stop DIR    stops it and removes DIR
#include <cstdio>
#include <cstring>

#include "testing/test_postgres.h"

int main(int argc, char** argv) {
  if (argc != 3 || (std::strcmp(argv[1], "start") != 0 && std::strcmp(argv[1], "stop") != 0)) {
    std::fprintf(stderr, "usage: %s start|stop DIR\n", argv[0]);
    return 2;
  }
  if (std::strcmp(argv[1], "stop") == 0) {
    dreichor::StopDetachedPostgres(argv[2]);
    return 0;
  }
  auto url = dreichor::StartDetachedPostgres(argv[2]);
  if (!url.ok()) {
    std::fprintf(stderr, "test PostgreSQL: %s\n", url.status().ToString().c_str());
    return 1;
  }
  std::printf("test PostgreSQL at %s\n", url.value().c_str());
  return 0;
}
