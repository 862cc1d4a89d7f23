#include "audit/file_log_reader.h"

#include "audit/log_format.h"
#include "audit/segment_format.h"

namespace dreichor::audit {

FileRecordReader::FileRecordReader(Env* env, std::vector<SegmentRef> segments, uint64_t from,
                                   uint64_t until, const EventId& log_id, const Digest& genesis)
    : env_(env),
      segments_(std::move(segments)),
      from_(from),
      until_(until),
      log_id_(log_id),
      genesis_(genesis) {
  // Start in the last segment whose first sequence is not after `from`.
  while (index_ + 1 < segments_.size() && segments_[index_ + 1].first_sequence <= from_) ++index_;
}

std::string FileRecordReader::Where() const {
  if (segments_.empty()) return "empty log";
  const std::string& path = segments_[index_].path;
  return path.substr(path.rfind('/') + 1) + " offset " + std::to_string(record_offset_);
}

Status FileRecordReader::Load(size_t index) {
  index_ = index;
  record_offset_ = 0;
  const SegmentRef& seg = segments_[index];
  const std::string name = seg.path.substr(seg.path.rfind('/') + 1);
  if (Status s = env_->ReadFile(seg.path, &bytes_); !s.ok()) return s;
  auto header = DecodeSegmentHeader(std::string_view(bytes_).substr(0, kSegmentHeaderSize));
  if (!header.ok()) return Damage(header.status().message());
  // The first segment read starts the stream; later ones must continue it exactly.
  const bool first = !loaded_;
  const uint64_t want_first = first ? seg.first_sequence : expected_;
  const Digest want_chain = first ? header.value().previous_chain : last_chain_;
  if (Status s = CheckSegmentHeader(name, header.value(), seg.first_sequence, want_first,
                                    want_chain, log_id_);
      !s.ok()) {
    return s;
  }
  if (first && seg.first_sequence == 1 && header.value().previous_chain != genesis_) {
    return Damage("the first segment does not start from the log's genesis hash");
  }
  sealed_ = index + 1 < segments_.size();
  end_ = bytes_.size();
  if (sealed_) {
    if (bytes_.size() < kSegmentHeaderSize + kSegmentFooterSize) return Damage("no footer");
    end_ = bytes_.size() - kSegmentFooterSize;
  }
  offset_ = kSegmentHeaderSize;
  expected_ = seg.first_sequence;
  last_chain_ = header.value().previous_chain;
  loaded_ = true;
  return Status::Ok();
}

Status FileRecordReader::FinishSegment() {
  if (!sealed_) return Status::Ok();
  record_offset_ = end_;
  auto footer = DecodeSegmentFooter(std::string_view(bytes_).substr(end_));
  if (!footer.ok()) return Damage(footer.status().message());
  if (footer.value().last_sequence != expected_ - 1 || footer.value().last_chain != last_chain_) {
    return Damage("the footer does not match the segment's last record (sequence " +
                  std::to_string(expected_ - 1) + ")");
  }
  return Status::Ok();
}

Result<bool> FileRecordReader::Next(Record* record) {
  if (segments_.empty() || from_ > until_) return false;
  for (;;) {
    if (!loaded_) {
      if (Status s = Load(index_); !s.ok()) return s;
    }
    if (expected_ > until_) return false;
    if (offset_ < end_) {
      size_t consumed = 0;
      record_offset_ = offset_;
      const ParseResult pr =
          ParseRecord(std::string_view(bytes_).substr(offset_, end_ - offset_), record, &consumed);
      if (pr != ParseResult::kOk) {
        const char* what = pr == ParseResult::kBadChecksum ? "checksum mismatch"
                           : pr == ParseResult::kBadLength ? "impossible record length"
                                                           : "record cut short";
        return Damage(std::string(what) + " (sequence " + std::to_string(expected_) + ")");
      }
      if (record->sequence != expected_) {
        return Damage("sequence gap: expected " + std::to_string(expected_) + ", found " +
                      std::to_string(record->sequence));
      }
      offset_ += consumed;
      ++expected_;
      last_chain_ = record->chain;
      if (record->sequence < from_) continue;
      return true;
    }
    if (Status s = FinishSegment(); !s.ok()) return s;
    if (index_ + 1 >= segments_.size()) {
      if (expected_ <= until_) {
        return Damage("the log ends at sequence " + std::to_string(expected_ - 1) + ", but " +
                      std::to_string(until_) + " was durable");
      }
      return false;
    }
    if (Status s = Load(index_ + 1); !s.ok()) return s;
  }
}

}  // namespace dreichor::audit
