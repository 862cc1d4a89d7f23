#include "audit/log_copy.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "audit/file_log.h"
#include "audit/log_format.h"
#include "audit/segment_format.h"
#include "audit/segment_scrub.h"
#include "audit/verify.h"
#include "util/atomic_file.h"
#include "util/byte_io.h"
#include "util/crc32c.h"
#include "util/immutable_file.h"
#include "util/sha256.h"

namespace dreichor::audit {

namespace {

std::string Join(const std::string& dir, const std::string& name) { return dir + "/" + name; }

// Writes `bytes` to `dir/name.tmp` and syncs it; the caller checks it, then Publish()es it.
Status WriteTemporary(Env* env, const std::string& dir, const std::string& name,
                      std::string_view bytes, bool read_only) {
  const std::string tmp = Join(dir, name + ".tmp");
  auto file = env->NewWritableFile(tmp);
  if (!file.ok()) return file.status();
  Status s = file.value()->Append(bytes);
  if (s.ok()) s = file.value()->Sync();
  if (s.ok()) s = file.value()->Close();
  if (s.ok() && read_only) s = env->MakeReadOnly(tmp);
  return s;
}

// Renames `dir/name.tmp` to `dir/name` and syncs the directory.
Status Publish(Env* env, const std::string& dir, const std::string& name) {
  Status s = env->RenameFile(Join(dir, name + ".tmp"), Join(dir, name));
  if (s.ok()) s = env->SyncDir(dir);
  return s;
}

// Writes `bytes` as `dir/name`: through `name.tmp`, synced, renamed, the directory synced. A
// crash leaves either no `name` or all of it (and perhaps a `.tmp`, which the next pass removes).
Status WriteAtomically(Env* env, const std::string& dir, const std::string& name,
                       std::string_view bytes, bool read_only) {
  return WriteFileAtomically(env, Join(dir, name), bytes, {.sync = true, .read_only = read_only});
}

// Segment files of `dir` with `suffix` after the segment name ("" or ".partial"), by first
// sequence.
Result<std::vector<SegmentRef>> ListSegments(Env* env, const std::string& dir,
                                             const std::string& suffix) {
  std::vector<std::string> names;
  if (Status s = env->GetChildren(dir, &names); !s.ok()) return s;
  std::vector<SegmentRef> segments;
  for (const std::string& name : names) {
    if (name.size() <= suffix.size() || !name.ends_with(suffix)) continue;
    uint64_t first = 0;
    if (ParseSegmentFileName(name.substr(0, name.size() - suffix.size()), &first)) {
      segments.push_back({first, Join(dir, name)});
    }
  }
  std::sort(segments.begin(), segments.end(), [](const SegmentRef& a, const SegmentRef& b) {
    return a.first_sequence < b.first_sequence;
  });
  return segments;
}

std::string NameOf(const SegmentRef& segment) {
  return segment.path.substr(segment.path.rfind('/') + 1);
}

Result<LogHeader> ReadLogHeader(Env* env, const std::string& dir, std::string* bytes) {
  if (Status s = env->ReadFile(Join(dir, kLogHeaderFile), bytes); !s.ok()) return s;
  auto header = DecodeLogHeader(*bytes);
  if (!header.ok()) {
    return Status::Corruption(Join(dir, kLogHeaderFile) + ": " + header.status().message());
  }
  return header;
}

// The copy's LOG_HEADER: written on the first pass, afterwards the same bytes as the source's.
Status EnsureCopyHeader(Env* env, const std::string& copy_dir, const std::string& source_bytes) {
  const std::string path = Join(copy_dir, kLogHeaderFile);
  if (!env->FileExists(path)) {
    return WriteAtomically(env, copy_dir, kLogHeaderFile, source_bytes, false);
  }
  std::string copy_bytes;
  if (Status s = env->ReadFile(path, &copy_bytes); !s.ok()) return s;
  if (copy_bytes != source_bytes) {
    return Status::Corruption(copy_dir +
                              " holds a copy of another log (its LOG_HEADER differs):"
                              " a copy directory serves one log only");
  }
  return Status::Ok();
}

// Removes what a pass cut short left behind.
Status RemoveLeftovers(Env* env, const std::string& copy_dir) {
  std::vector<std::string> names;
  if (Status s = env->GetChildren(copy_dir, &names); !s.ok()) return s;
  for (const std::string& name : names) {
    if (name.ends_with(".tmp")) {
      if (Status s = env->RemoveFile(Join(copy_dir, name)); !s.ok()) return s;
    }
  }
  return Status::Ok();
}

Status AppendJournal(Env* env, const std::string& copy_dir, const std::string& line) {
  auto file = env->NewAppendableFile(Join(copy_dir, kShippedJournal));
  if (!file.ok()) return file.status();
  Status s = file.value()->Append(line + "\n");
  if (s.ok()) s = file.value()->Sync();
  if (s.ok()) s = file.value()->Close();
  return s;
}

// The journal line of one shipped segment (docs/audit-log-copy.md).
std::string JournalLine(const SegmentScrub& copied, uint64_t first, bool replaced, Clock* clock) {
  return std::string("{\"segment\":\"") + copied.segment +
         "\",\"first_sequence\":" + std::to_string(first) +
         ",\"last_sequence\":" + std::to_string(copied.last_sequence) + ",\"last_chain\":\"" +
         ToHex(copied.last_chain) + "\",\"bytes\":" + std::to_string(copied.bytes) +
         ",\"replaced_damaged_copy\":" + (replaced ? "true" : "false") +
         ",\"shipped_at_ns\":" + std::to_string(clock->NowUnixNanos()) + "}";
}

// The footer of the sealed segment `segment`.
Result<SegmentFooter> ReadFooter(Env* env, const SegmentRef& segment) {
  auto size = env->FileSize(segment.path);
  if (!size.ok()) return size.status();
  if (size.value() < kSegmentFooterSize) return Status::Corruption(NameOf(segment) + ": no footer");
  std::string bytes;
  if (Status s = env->ReadRange(segment.path, size.value() - kSegmentFooterSize, kSegmentFooterSize,
                                &bytes);
      !s.ok()) {
    return s;
  }
  auto footer = DecodeSegmentFooter(bytes);
  if (!footer.ok()) return Status::Corruption(NameOf(segment) + ": " + footer.status().message());
  return footer.value();
}

class Shipper {
 public:
  Shipper(Env* env, const ShipOptions& options, Clock* clock, const EventId& log_id)
      : env_(env), o_(options), clock_(clock), log_id_(log_id) {}

  // Makes sure the copy holds the sealed segment `source`, which continues `*chain`; advances
  // `*chain` to its end.
  Status Sealed(const SegmentRef& source, Digest* chain) {
    const std::string name = NameOf(source);
    const SegmentRef copy{source.first_sequence, Join(o_.copy_dir, name)};
    bool replaced = false;
    if (env_->FileExists(copy.path)) {
      if (CopyMatches(source, copy, *chain)) return Advance(source, chain);
      replaced = true;
      (void)SetImmutable(copy.path, false);  // a damaged copy goes, immutable or not
      if (Status s = env_->RemoveFile(copy.path); !s.ok()) return s;
    }
    std::string bytes;
    if (Status s = env_->ReadFile(source.path, &bytes); !s.ok()) return s;
    if (Status s = WriteTemporary(env_, o_.copy_dir, name, bytes, true); !s.ok()) return s;
    // Checked as written, before it takes its name.
    const SegmentRef written{source.first_sequence, copy.path + ".tmp"};
    SegmentScrub copied = ScrubSealedSegment(env_, written, log_id_, *chain);
    copied.segment = name;
    if (copied.damaged) {
      const SegmentScrub original = ScrubSealedSegment(env_, source, log_id_, *chain);
      static_cast<void>(env_->RemoveFile(written.path));  // never keep a copy that did not verify
      if (original.damaged) {
        return Status::Corruption("the log itself is damaged: " + original.segment + " at offset " +
                                  std::to_string(original.offset) + " (sequence " +
                                  std::to_string(original.sequence) + "): " + original.reason);
      }
      return Status::IoError("the copy of " + name +
                             " does not read back as written: " + copied.reason);
    }
    // Journal first: a pass cut short between the two copies the segment again next time and
    // journals it twice; the copy itself never has a gap or a duplicate.
    if (Status s = AppendJournal(env_, o_.copy_dir,
                                 JournalLine(copied, source.first_sequence, replaced, clock_));
        !s.ok()) {
      return s;
    }
    if (Status s = Publish(env_, o_.copy_dir, name); !s.ok()) return s;
    if (o_.immutable) {
      if (Status s = SetImmutable(copy.path, true); !s.ok()) return s;
    }
    ++report_.segments_copied;
    report_.segments_recopied += replaced ? 1 : 0;
    report_.bytes_copied += bytes.size();
    *chain = copied.last_chain;
    report_.sealed_through = report_.partial_through = copied.last_sequence;
    return Status::Ok();
  }

  // The active segment `source`: its verified prefix replaces the copy's `<name>.partial`.
  Status Active(const SegmentRef& source, Digest* chain) {
    std::string bytes;
    auto prefix = ScanSegmentPrefix(env_, source, log_id_, *chain, &bytes);
    if (!prefix.ok()) return prefix.status();
    if (prefix.value().sealed) return Sealed(source, chain);
    if (prefix.value().records == 0) return Status::Ok();
    const std::string name = NameOf(source) + kPartialSuffix;
    auto held = env_->FileSize(Join(o_.copy_dir, name));
    if (!held.ok() || held.value() != prefix.value().bytes) {
      if (Status s = WriteAtomically(env_, o_.copy_dir, name, bytes, false); !s.ok()) return s;
      report_.bytes_copied += bytes.size();
    }
    report_.partial_through = prefix.value().last_sequence;
    return Status::Ok();
  }

  // Removes the partial copies of segments that are now sealed in the copy.
  Status DropSupersededPartials() {
    auto partials = ListSegments(env_, o_.copy_dir, kPartialSuffix);
    if (!partials.ok()) return partials.status();
    for (const SegmentRef& partial : partials.value()) {
      if (partial.first_sequence <= report_.sealed_through) {
        if (Status s = env_->RemoveFile(partial.path); !s.ok()) return s;
      }
    }
    return Status::Ok();
  }

  const ShipReport& report() const { return report_; }

 private:
  // Whether the copy already holds `source` intact: its footer is the source's (and, with
  // verify_copies, every record verifies again).
  bool CopyMatches(const SegmentRef& source, const SegmentRef& copy, const Digest& chain) {
    auto source_size = env_->FileSize(source.path);
    auto copy_size = env_->FileSize(copy.path);
    if (!source_size.ok() || !copy_size.ok() || source_size.value() != copy_size.value() ||
        source_size.value() < kSegmentFooterSize) {
      return false;
    }
    std::string source_footer, copy_footer;
    const uint64_t at = source_size.value() - kSegmentFooterSize;
    if (!env_->ReadRange(source.path, at, kSegmentFooterSize, &source_footer).ok() ||
        !env_->ReadRange(copy.path, at, kSegmentFooterSize, &copy_footer).ok() ||
        source_footer != copy_footer) {
      return false;
    }
    if (!o_.verify_copies) return true;
    ++report_.segments_checked;
    return !ScrubSealedSegment(env_, copy, log_id_, chain).damaged;
  }

  // Moves `*chain` past the sealed segment `source` (read from its footer).
  Status Advance(const SegmentRef& source, Digest* chain) {
    auto footer = ReadFooter(env_, source);
    if (!footer.ok()) return footer.status();
    *chain = footer.value().last_chain;
    report_.sealed_through = report_.partial_through = footer.value().last_sequence;
    return Status::Ok();
  }

  Env* const env_;
  const ShipOptions& o_;
  Clock* const clock_;
  const EventId log_id_;
  ShipReport report_;
};

}  // namespace

Result<ShipReport> ShipOnce(Env* env, const ShipOptions& options, Clock* clock) {
  std::string header_bytes;
  auto header = ReadLogHeader(env, options.audit_dir, &header_bytes);
  if (!header.ok()) return header.status();
  if (Status s = env->CreateDirs(options.copy_dir); !s.ok()) return s;
  if (Status s = EnsureCopyHeader(env, options.copy_dir, header_bytes); !s.ok()) return s;
  if (Status s = RemoveLeftovers(env, options.copy_dir); !s.ok()) return s;
  auto segments = ListSegments(env, options.audit_dir, "");
  if (!segments.ok()) return segments.status();
  auto pruned = ReadPrunedMark(env, options.copy_dir);
  if (!pruned.ok()) return pruned.status();
  Shipper shipper(env, options, clock, header.value().log_id);
  Digest chain = GenesisHash(header.value());
  uint64_t expected_first = 1;
  for (size_t i = 0; i < segments.value().size(); ++i) {
    const SegmentRef& segment = segments.value()[i];
    if (segment.first_sequence != expected_first) {
      return Status::Corruption("missing segment: records " + std::to_string(expected_first) +
                                ".." + std::to_string(segment.first_sequence - 1) +
                                " are absent before " + NameOf(segment));
    }
    if (segment.first_sequence <= pruned.value().through) {
      // Pruned from the copy: never shipped again. Its footer must end where the mark says.
      auto footer = ReadFooter(env, segment);
      if (!footer.ok()) return footer.status();
      if (footer.value().last_sequence > pruned.value().through ||
          (footer.value().last_sequence == pruned.value().through &&
           footer.value().last_chain != pruned.value().chain)) {
        return Status::Corruption("the copy's PRUNED mark (through " +
                                  std::to_string(pruned.value().through) + ") does not end with " +
                                  NameOf(segment) + " of this log");
      }
      chain = footer.value().last_chain;
      expected_first = footer.value().last_sequence + 1;
      continue;
    }
    const bool last = i + 1 == segments.value().size();
    if (Status s = last ? shipper.Active(segment, &chain) : shipper.Sealed(segment, &chain);
        !s.ok()) {
      return s;
    }
    expected_first = shipper.report().partial_through + 1;
  }
  if (Status s = shipper.DropSupersededPartials(); !s.ok()) return s;
  return shipper.report();
}

Result<RestoreReport> RestoreLog(Env* env, const std::string& copy_dir,
                                 const std::string& audit_dir) {
  auto pruned = ReadPrunedMark(env, copy_dir);
  if (!pruned.ok()) return pruned.status();
  if (pruned.value().through > 0) {
    return Status::FailedPrecondition(
        "the copy was pruned through record " + std::to_string(pruned.value().through) +
        " (dreichor audit prune): a log is restored only from record 1");
  }
  if (env->IsDirectory(audit_dir)) {
    std::vector<std::string> present;
    if (Status s = env->GetChildren(audit_dir, &present); !s.ok()) return s;
    if (!present.empty()) {
      return Status::FailedPrecondition(audit_dir +
                                        " is not empty: a restore never overwrites a log");
    }
  }
  std::string header_bytes;
  auto header = ReadLogHeader(env, copy_dir, &header_bytes);
  if (!header.ok()) return header.status();
  auto sealed = ListSegments(env, copy_dir, "");
  auto partials = ListSegments(env, copy_dir, kPartialSuffix);
  if (!sealed.ok()) return sealed.status();
  if (!partials.ok()) return partials.status();

  // Verify the whole copy before writing anything.
  Digest chain = GenesisHash(header.value());
  uint64_t next = 1;
  for (const SegmentRef& segment : sealed.value()) {
    if (segment.first_sequence != next) {
      return Status::Corruption("the copy is missing records " + std::to_string(next) + ".." +
                                std::to_string(segment.first_sequence - 1) + " before " +
                                NameOf(segment));
    }
    const SegmentScrub check = ScrubSealedSegment(env, segment, header.value().log_id, chain);
    if (check.damaged) {
      return Status::Corruption("the copy's " + check.segment + " is damaged at offset " +
                                std::to_string(check.offset) + " (sequence " +
                                std::to_string(check.sequence) + "): " + check.reason);
    }
    chain = check.last_chain;
    next = check.last_sequence + 1;
  }
  std::optional<SegmentRef> active;
  std::string active_bytes;
  for (const SegmentRef& partial : partials.value()) {
    if (partial.first_sequence != next) continue;  // superseded by a sealed copy
    auto prefix = ScanSegmentPrefix(env, partial, header.value().log_id, chain, &active_bytes);
    if (!prefix.ok()) return prefix.status();
    if (prefix.value().records == 0) break;
    active = partial;
    chain = prefix.value().last_chain;
    next = prefix.value().last_sequence + 1;
  }

  RestoreReport report;
  if (Status s = env->CreateDirs(audit_dir); !s.ok()) return s;
  if (Status s = WriteAtomically(env, audit_dir, kLogHeaderFile, header_bytes, false); !s.ok()) {
    return s;
  }
  for (const SegmentRef& segment : sealed.value()) {
    std::string bytes;
    if (Status s = env->ReadFile(segment.path, &bytes); !s.ok()) return s;
    if (Status s = WriteAtomically(env, audit_dir, NameOf(segment), bytes, true); !s.ok()) return s;
    ++report.segments;
  }
  if (active) {
    if (Status s = WriteAtomically(env, audit_dir, SegmentFileName(active->first_sequence),
                                   active_bytes, false);
        !s.ok()) {
      return s;
    }
    ++report.segments;
  }
  // Read back as the runtime will: opened as a log, every record and the chain verified.
  FileLogOptions read_only;
  read_only.read_only = true;
  read_only.create_if_missing = false;
  RecoveryReport recovery;
  auto log = FileLog::Open(env, audit_dir, read_only, &recovery);
  if (!log.ok()) return log.status();
  auto verified = VerifyLog(*log.value());
  if (!verified.ok()) return verified.status();
  report.last_sequence = verified.value().last_sequence;
  report.last_chain = verified.value().last_chain;
  if (report.last_sequence != next - 1 || report.last_chain != chain) {
    return Status::Corruption("the restored log does not end where the copy does");
  }
  return report;
}

Result<PrunedMark> ReadPrunedMark(Env* env, const std::string& copy_dir) {
  const std::string path = Join(copy_dir, kPrunedFile);
  if (!env->FileExists(path)) return PrunedMark{};
  std::string bytes;
  if (Status s = env->ReadFile(path, &bytes); !s.ok()) return s;
  if (bytes.size() != 8 + 32 + 4 ||
      DecodeFixed<uint32_t>(bytes.data() + 40) != crc32c::Value(bytes.data(), 40)) {
    return Status::Corruption(path + ": damaged");
  }
  PrunedMark mark;
  mark.through = DecodeFixed<uint64_t>(bytes.data());
  std::memcpy(mark.chain.data(), bytes.data() + 8, 32);
  return mark;
}

Result<PruneReport> PruneCopy(Env* env, const std::string& copy_dir, const Digest& genesis,
                              uint64_t through,
                              const std::function<Status(uint64_t, uint64_t)>& may_delete) {
  std::string header_bytes;
  auto header = ReadLogHeader(env, copy_dir, &header_bytes);
  if (!header.ok()) return header.status();
  if (GenesisHash(header.value()) != genesis) {
    return Status::Corruption(copy_dir + " is a copy of another log");
  }
  auto mark = ReadPrunedMark(env, copy_dir);
  if (!mark.ok()) return mark.status();
  auto sealed = ListSegments(env, copy_dir, "");
  if (!sealed.ok()) return sealed.status();
  PruneReport report;
  report.pruned_through = mark.value().through;
  for (const SegmentRef& segment : sealed.value()) {
    auto footer = ReadFooter(env, segment);
    if (!footer.ok()) return footer.status();
    const uint64_t last = footer.value().last_sequence;
    const bool covered = last <= mark.value().through;  // a deletion a crash interrupted
    if (!covered) {
      if (segment.first_sequence != report.pruned_through + 1 || last > through) break;
      if (Status allowed = may_delete(segment.first_sequence, last); !allowed.ok()) {
        if (report.segments_deleted == 0) return allowed;
        report.stopped_because = allowed.message();
        break;
      }
      std::string bytes;
      AppendFixed<uint64_t>(&bytes, last);
      bytes.append(reinterpret_cast<const char*>(footer.value().last_chain.data()), 32);
      AppendFixed<uint32_t>(&bytes, crc32c::Value(bytes));
      if (Status s = WriteAtomically(env, copy_dir, kPrunedFile, bytes, false); !s.ok()) return s;
      report.pruned_through = last;
    }
    // Unlinking needs the directory's permission only, and no immutable attribute (a copy that
    // cannot be cleared fails to unlink, and says so).
    (void)SetImmutable(segment.path, false);
    if (Status s = env->RemoveFile(segment.path); !s.ok()) return s;
    ++report.segments_deleted;
  }
  if (Status s = env->SyncDir(copy_dir); !s.ok()) return s;
  return report;
}

}  // namespace dreichor::audit
