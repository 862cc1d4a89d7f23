#include "engine/reason.h"

namespace dreichor::engine {

std::string_view ReasonCode(Reason r) {
  switch (r) {
#define DREICHOR_REASON_CODE(name, value, code, message) \
  case Reason::name:                                     \
    return code;
    DREICHOR_REASONS(DREICHOR_REASON_CODE)
#undef DREICHOR_REASON_CODE
  }
  return "unknown_reason";
}

std::string_view ReasonMessage(Reason r) {
  switch (r) {
#define DREICHOR_REASON_MESSAGE(name, value, code, message) \
  case Reason::name:                                        \
    return message;
    DREICHOR_REASONS(DREICHOR_REASON_MESSAGE)
#undef DREICHOR_REASON_MESSAGE
  }
  return "unknown reason";
}

bool IsValidReason(uint16_t value) {
  switch (value) {
#define DREICHOR_REASON_VALUE(name, value, code, message) case value:
    DREICHOR_REASONS(DREICHOR_REASON_VALUE)
#undef DREICHOR_REASON_VALUE
    return true;
  }
  return false;
}

}  // namespace dreichor::engine
