#include "audit/file_log.h"

#include <algorithm>
#include <cstring>

#include "audit/chain_checker.h"
#include "audit/file_log_reader.h"
#include "audit/log_format.h"
#include "util/byte_io.h"
#include "util/random.h"

namespace dreichor::audit {

namespace {

bool AllZero(std::string_view bytes) {
  for (char c : bytes) {
    if (c != 0) return false;
  }
  return true;
}

std::string BaseName(const std::string& path) { return path.substr(path.rfind('/') + 1); }

// Whether the record starting at `rest` (whose length field is complete) claims to end exactly
// where the file ends.
bool RecordEndsAtEndOfFile(std::string_view rest) {
  const uint64_t length = DecodeFixed<uint32_t>(rest.data());
  return kRecordPrefixSize + length == rest.size();
}

// A footer cut short while sealing (or whole but failing its checksum) at the very end of the
// active segment: the seal never completed, so it is a torn tail like a cut record.
bool IsTornFooter(std::string_view rest) {
  if (rest.size() > kSegmentFooterSize) return false;
  const size_t magic = std::min(rest.size(), sizeof(kFooterMagic));
  return std::memcmp(rest.data(), kFooterMagic, magic) == 0;
}

}  // namespace

Result<std::unique_ptr<FileLog>> FileLog::Open(Env* env, const std::string& dir,
                                               const FileLogOptions& options,
                                               RecoveryReport* report) {
  *report = RecoveryReport{};
  std::unique_ptr<FileLog> log(new FileLog(env, dir, options));
  if (!options.read_only) {
    if (Status s = env->CreateDirs(dir); !s.ok()) return s;
    auto lock = env->LockFile(log->PathOf(kLockFile));
    if (!lock.ok()) {
      return Status::FailedPrecondition("audit log " + dir + " is in use by another writer (" +
                                        lock.status().message() + ")");
    }
    log->lock_ = std::move(lock).value();
  }
  if (Status s = log->LoadSegments(); !s.ok()) return s;
  const std::string header_path = log->PathOf(kLogHeaderFile);
  if (!env->FileExists(header_path)) {
    if (!log->segments_.empty()) {
      return Status::Corruption("audit log " + dir + ": segments exist but " + kLogHeaderFile +
                                " is missing");
    }
    if (options.read_only || !options.create_if_missing) {
      return Status::NotFound("audit log " + dir + ": no " + kLogHeaderFile);
    }
    if (Status s = log->CreateNewLog(); !s.ok()) return s;
    report->created = true;
  }
  std::string bytes;
  if (Status s = env->ReadFile(header_path, &bytes); !s.ok()) return s;
  auto header = DecodeLogHeader(bytes);
  if (!header.ok()) return Status::Corruption(header_path + ": " + header.status().message());
  log->header_ = header.value();
  log->genesis_ = GenesisHash(log->header_);
  log->last_chain_ = log->genesis_;

  if (log->segments_.empty() && !options.read_only) {
    if (Status s = log->StartSegment(1, log->genesis_); !s.ok()) return s;
  }
  if (Status s = log->CheckSealedSegments(); !s.ok()) return s;
  if (Status s = log->RecoverActiveSegment(report); !s.ok()) return s;
  report->segments = log->segments_.size();
  report->last_sequence = log->last_sequence_;
  return log;
}

FileLog::~FileLog() {
  if (active_) (void)active_->Close();
}

Status FileLog::CreateNewLog() {
  header_.created_at_ns = options_.clock->NowUnixNanos();
  options_.random->Fill(header_.log_id.data(), header_.log_id.size());
  const std::string tmp = PathOf(std::string(kLogHeaderFile) + ".tmp");
  auto file = env_->NewWritableFile(tmp);
  if (!file.ok()) return file.status();
  Status s = file.value()->Append(EncodeLogHeader(header_));
  if (s.ok()) s = file.value()->Sync();
  if (s.ok()) s = file.value()->Close();
  if (s.ok()) s = env_->RenameFile(tmp, PathOf(kLogHeaderFile));
  if (s.ok()) s = env_->SyncDir(dir_);
  return s;
}

Status FileLog::LoadSegments() {
  std::vector<std::string> names;
  if (!env_->FileExists(dir_)) return Status::NotFound("audit log directory " + dir_);
  if (Status s = env_->GetChildren(dir_, &names); !s.ok()) return s;
  for (const std::string& name : names) {
    uint64_t first = 0;
    if (ParseSegmentFileName(name, &first)) segments_.push_back(Segment{first, PathOf(name)});
  }
  // Zero-padded names sort numerically.
  return Status::Ok();
}

// Checks the header and footer of every segment but the last, and that they follow each other
// without a gap in sequence numbers or chain hashes.
Status FileLog::CheckSealedSegments() {
  uint64_t expected_first = 1;
  Digest expected_chain = genesis_;
  for (size_t i = 0; i + 1 < segments_.size(); ++i) {
    const Segment& seg = segments_[i];
    const std::string name = BaseName(seg.path);
    std::string bytes;
    if (Status s = env_->ReadRange(seg.path, 0, kSegmentHeaderSize, &bytes); !s.ok()) return s;
    auto header = DecodeSegmentHeader(bytes);
    if (!header.ok()) return Status::Corruption(name + ": " + header.status().message());
    if (Status s = CheckSegmentHeader(name, header.value(), seg.first_sequence, expected_first,
                                      expected_chain, header_.log_id);
        !s.ok()) {
      return s;
    }
    auto size = env_->FileSize(seg.path);
    if (!size.ok()) return size.status();
    if (size.value() < kSegmentHeaderSize + kSegmentFooterSize) {
      return Status::Corruption(name + ": sealed segment too short to hold a footer (" +
                                std::to_string(size.value()) + " bytes)");
    }
    if (Status s = env_->ReadRange(seg.path, size.value() - kSegmentFooterSize, kSegmentFooterSize,
                                   &bytes);
        !s.ok()) {
      return s;
    }
    auto footer = DecodeSegmentFooter(bytes);
    if (!footer.ok()) {
      return Status::Corruption(name + " (offset " +
                                std::to_string(size.value() - kSegmentFooterSize) +
                                "): " + footer.status().message());
    }
    if (footer.value().last_sequence < seg.first_sequence) {
      return Status::Corruption(name + ": footer says the segment holds no record");
    }
    expected_first = footer.value().last_sequence + 1;
    expected_chain = footer.value().last_chain;
  }
  sealed_end_sequence_ = expected_first;
  sealed_end_chain_ = expected_chain;
  return Status::Ok();
}

Status FileLog::RecoverActiveSegment(RecoveryReport* report) {
  if (segments_.empty()) return Status::Ok();  // read-only view of a log with no segment yet
  const Segment& seg = segments_.back();
  const std::string name = BaseName(seg.path);
  std::string bytes;
  if (Status s = env_->ReadFile(seg.path, &bytes); !s.ok()) return s;
  if (bytes.size() < kSegmentHeaderSize && seg.first_sequence == sealed_end_sequence_) {
    return RedoInterruptedSegment(bytes.size(), report);
  }
  auto header = DecodeSegmentHeader(std::string_view(bytes).substr(0, kSegmentHeaderSize));
  if (!header.ok()) return Status::Corruption(name + ": " + header.status().message());
  if (Status s = CheckSegmentHeader(name, header.value(), seg.first_sequence, sealed_end_sequence_,
                                    sealed_end_chain_, header_.log_id);
      !s.ok()) {
    return s;
  }

  ChainChecker chain(seg.first_sequence - 1, header.value().previous_chain);
  size_t offset = kSegmentHeaderSize;
  bool sealed = false;
  while (offset < bytes.size()) {
    const std::string_view rest = std::string_view(bytes).substr(offset);
    if (rest.size() == kSegmentFooterSize) {
      auto footer = DecodeSegmentFooter(rest);
      if (footer.ok() && footer.value().last_sequence == chain.sequence() &&
          footer.value().last_chain == chain.chain()) {
        sealed = true;  // sealed, but the next segment was never created
        break;
      }
    }
    Record r;
    size_t consumed = 0;
    const ParseResult pr = ParseRecord(rest, &r, &consumed);
    const std::string where = name + " offset " + std::to_string(offset) + " (sequence " +
                              std::to_string(chain.sequence() + 1) + ")";
    if (pr == ParseResult::kOk) {
      if (Status s = chain.Check(r); !s.ok()) return Status::Corruption(where + ": " + s.message());
      offset += consumed;
      continue;
    }
    // A torn tail: the last record was cut short, or fails its checksum and ends exactly at the
    // end of the file, or everything from here on is zeros (a file extended but never written).
    const bool torn = pr == ParseResult::kTruncated || AllZero(rest) ||
                      (pr == ParseResult::kBadChecksum && RecordEndsAtEndOfFile(rest)) ||
                      IsTornFooter(rest);
    if (!torn) {
      return Status::Corruption(
          where + ": " +
          (pr == ParseResult::kBadChecksum ? "checksum mismatch" : "impossible record length") +
          " before the end of the active segment");
    }
    report->truncated_tail = true;
    report->segment = name;
    report->offset = offset;
    report->bytes_dropped = rest.size();
    break;
  }
  last_sequence_ = chain.sequence();
  last_chain_ = chain.chain();
  if (options_.read_only) return Status::Ok();
  // What was read here may never have been synced (a crash after a failed fsync leaves it in the
  // page cache only); it is synced before anything is built on it, or a later power cut could take
  // it away from under later records. A sealed segment is read-only and complete: it is synced
  // through a read-only descriptor, never opened for writing again (a process that is not root
  // could not), and the next one is started.
  if (sealed) {
    if (Status s = env_->SyncFile(seg.path); !s.ok()) return s;
    return StartSegment(last_sequence_ + 1, last_chain_);
  }
  if (report->truncated_tail) {
    if (Status s = env_->TruncateFile(seg.path, offset); !s.ok()) return s;
  }
  if (Status s = OpenSegmentForAppend(seg, offset); !s.ok()) return s;
  return active_->Sync();
}

// The last segment's file exists but its header was never completely written (a crash while
// starting it): it holds no record, and what precedes it is sealed and checked. It is removed and
// started again.
Status FileLog::RedoInterruptedSegment(uint64_t size, RecoveryReport* report) {
  const Segment seg = segments_.back();
  report->truncated_tail = true;
  report->segment = BaseName(seg.path);
  report->offset = 0;
  report->bytes_dropped = size;
  last_sequence_ = sealed_end_sequence_ - 1;
  last_chain_ = sealed_end_chain_;
  segments_.pop_back();
  if (options_.read_only) return Status::Ok();
  if (Status s = env_->RemoveFile(seg.path); !s.ok()) return s;
  return StartSegment(sealed_end_sequence_, sealed_end_chain_);
}

Status FileLog::OpenSegmentForAppend(const Segment& segment, uint64_t size) {
  auto file = env_->NewAppendableFile(segment.path);
  if (!file.ok()) return file.status();
  active_ = std::move(file).value();
  active_size_ = size;
  return Status::Ok();
}

Status FileLog::StartSegment(uint64_t first_sequence, const Digest& previous_chain) {
  const Segment seg{first_sequence, PathOf(SegmentFileName(first_sequence))};
  auto file = env_->NewWritableFile(seg.path);
  if (!file.ok()) return file.status();
  Status s = file.value()->Append(
      EncodeSegmentHeader(SegmentHeader{header_.log_id, first_sequence, previous_chain}));
  if (s.ok()) s = file.value()->Sync();
  if (s.ok()) s = env_->SyncDir(dir_);
  if (!s.ok()) return s;
  segments_.push_back(seg);
  active_ = std::move(file).value();
  active_size_ = kSegmentHeaderSize;
  return Status::Ok();
}

Status FileLog::Roll() {
  const std::string path = segments_.back().path;
  Status s = active_->Append(EncodeSegmentFooter(SegmentFooter{last_sequence_, last_chain_}));
  if (s.ok()) s = active_->Sync();
  if (s.ok()) s = active_->Close();
  if (s.ok()) s = env_->MakeReadOnly(path);
  if (s.ok()) s = StartSegment(last_sequence_ + 1, last_chain_);
  return s;
}

Status FileLog::Append(const std::vector<PendingRecord>& batch) {
  std::lock_guard<std::mutex> guard(mu_);
  if (!failed_.ok()) return failed_;
  if (!active_) return Status::FailedPrecondition("audit log " + dir_ + " is open read-only");
  for (size_t i = 0; i < batch.size(); ++i) {
    if (batch[i].sequence != last_sequence_ + 1 + i) {
      return Status::FailedPrecondition("append: sequence " + std::to_string(batch[i].sequence) +
                                        " does not continue the log (next is " +
                                        std::to_string(last_sequence_ + 1 + i) + ")");
    }
    if (batch[i].payload.size() > kMaxPayloadSize) {
      return Status::InvalidArgument(
          "append: payload of " + std::to_string(batch[i].payload.size()) +
          " bytes exceeds the limit of " + std::to_string(kMaxPayloadSize));
    }
  }
  if (batch.empty()) return Status::Ok();
  Status s;
  if (active_size_ >= options_.segment_bytes) s = Roll();
  buffer_.clear();
  Digest chain = last_chain_;
  for (const PendingRecord& r : batch) {
    chain = ChainHash(chain, r);
    AppendRecord(r, chain, &buffer_);
  }
  if (s.ok()) s = active_->Append(buffer_);
  if (s.ok()) s = active_->Sync();
  if (!s.ok()) {
    // Nothing is known about what reached the disk: never retry, never append again.
    failed_ =
        Status::IoError("audit log " + dir_ + " refuses further appends after: " + s.message());
    return failed_;
  }
  active_size_ += buffer_.size();
  last_sequence_ += batch.size();
  last_chain_ = chain;
  return Status::Ok();
}

uint64_t FileLog::last_sequence() const {
  std::lock_guard<std::mutex> guard(mu_);
  return last_sequence_;
}

Digest FileLog::last_chain() const {
  std::lock_guard<std::mutex> guard(mu_);
  return last_chain_;
}

std::vector<SegmentRef> FileLog::SealedSegments() const {
  std::lock_guard<std::mutex> guard(mu_);
  std::vector<SegmentRef> refs;
  for (size_t i = 0; i + 1 < segments_.size(); ++i) {
    refs.push_back(SegmentRef{segments_[i].first_sequence, segments_[i].path});
  }
  return refs;
}

Result<std::unique_ptr<RecordReader>> FileLog::ReadFrom(uint64_t from) {
  std::lock_guard<std::mutex> guard(mu_);
  std::vector<SegmentRef> refs;
  for (const Segment& s : segments_) refs.push_back(SegmentRef{s.first_sequence, s.path});
  return std::unique_ptr<RecordReader>(new FileRecordReader(
      env_, std::move(refs), from < 1 ? 1 : from, last_sequence_, header_.log_id, genesis_));
}

}  // namespace dreichor::audit
