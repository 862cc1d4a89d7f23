// The AuditLog conformance suite on the file backend, with small segments so that rolling is
// exercised by every test.
#include "audit/audit_log_conformance.h"
#include "audit/file_log.h"
#include "testing/temp_dir.h"

namespace dreichor::audit {
namespace {

class FileBackend {
 public:
  std::unique_ptr<AuditLog> Open() { return OpenAt(dir_.Sub("log"), &current_); }
  std::unique_ptr<AuditLog> OpenOther() { return OpenAt(dir_.Sub("other"), &other_); }

 private:
  std::unique_ptr<AuditLog> OpenAt(const std::string& path, AuditLog** slot) {
    FileLogOptions options;
    options.segment_bytes = 4096;
    RecoveryReport report;
    auto log = FileLog::Open(Env::Default(), path, options, &report);
    EXPECT_TRUE(log.ok()) << log.status().ToString();
    std::unique_ptr<AuditLog> out = std::move(log).value();
    *slot = out.get();
    return out;
  }

  TempDir dir_;
  AuditLog* current_ = nullptr;
  AuditLog* other_ = nullptr;
};

INSTANTIATE_TYPED_TEST_SUITE_P(File, AuditLogConformance, FileBackend);

}  // namespace
}  // namespace dreichor::audit
