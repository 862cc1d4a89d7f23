#include "audit/segment_scrub.h"

#include "audit/chain_checker.h"
#include "audit/log_format.h"
#include "audit/segment_format.h"

namespace dreichor::audit {

namespace {

SegmentScrub& Damage(SegmentScrub& s, uint64_t offset, uint64_t sequence, std::string reason) {
  s.damaged = true;
  s.offset = offset;
  s.sequence = sequence;
  s.reason = std::move(reason);
  return s;
}

const char* ParseProblem(ParseResult pr) {
  switch (pr) {
    case ParseResult::kBadChecksum:
      return "checksum mismatch";
    case ParseResult::kBadLength:
      return "impossible record length";
    case ParseResult::kTruncated:
      return "record cut short";
    case ParseResult::kOk:
      break;
  }
  return "unreadable record";
}

}  // namespace

SegmentScrub ScrubSealedSegment(Env* env, const SegmentRef& segment, const EventId& log_id,
                                const std::optional<Digest>& expected_previous_chain) {
  const uint64_t expected_first = segment.first_sequence;
  SegmentScrub s;
  s.segment = segment.path.substr(segment.path.rfind('/') + 1);
  (void)env->DropCachedPages(segment.path);  // advisory; the read below is the check
  std::string bytes;
  if (Status read = env->ReadFile(segment.path, &bytes); !read.ok()) {
    return Damage(s, 0, expected_first, "cannot be read: " + read.message());
  }
  s.bytes = bytes.size();
  if (bytes.size() < kSegmentHeaderSize + kSegmentFooterSize) {
    return Damage(s, 0, expected_first, "too short to be a sealed segment");
  }
  const std::string_view all(bytes);
  auto header = DecodeSegmentHeader(all.substr(0, kSegmentHeaderSize));
  if (!header.ok()) return Damage(s, 0, expected_first, header.status().message());
  const Digest start_chain = expected_previous_chain.value_or(header.value().previous_chain);
  if (Status h = CheckSegmentHeader(s.segment, header.value(), segment.first_sequence,
                                    expected_first, start_chain, log_id);
      !h.ok()) {
    return Damage(s, 0, expected_first, h.message());
  }
  const size_t end = bytes.size() - kSegmentFooterSize;
  ChainChecker chain(expected_first - 1, start_chain);
  size_t offset = kSegmentHeaderSize;
  Record r;
  while (offset < end) {
    size_t consumed = 0;
    const ParseResult pr = ParseRecord(all.substr(offset, end - offset), &r, &consumed);
    if (pr != ParseResult::kOk) return Damage(s, offset, chain.sequence() + 1, ParseProblem(pr));
    if (Status c = chain.Check(r); !c.ok()) {
      return Damage(s, offset, chain.sequence() + 1, c.message());
    }
    offset += consumed;
    ++s.records;
  }
  auto footer = DecodeSegmentFooter(all.substr(end));
  if (!footer.ok()) return Damage(s, end, chain.sequence() + 1, footer.status().message());
  if (s.records == 0 || footer.value().last_sequence != chain.sequence() ||
      footer.value().last_chain != chain.chain()) {
    return Damage(s, end, chain.sequence() + 1,
                  "the footer does not match the segment's last record (sequence " +
                      std::to_string(chain.sequence()) + ")");
  }
  s.last_sequence = chain.sequence();
  s.last_chain = chain.chain();
  return s;
}

Result<SegmentPrefix> ScanSegmentPrefix(Env* env, const SegmentRef& segment, const EventId& log_id,
                                        const Digest& expected_previous_chain,
                                        std::string* prefix_bytes) {
  std::string bytes;
  if (Status read = env->ReadFile(segment.path, &bytes); !read.ok()) return read;
  SegmentPrefix prefix;
  prefix.last_sequence = segment.first_sequence - 1;
  prefix.last_chain = expected_previous_chain;
  if (bytes.size() < kSegmentHeaderSize) return prefix;
  const std::string_view all(bytes);
  const std::string name = segment.path.substr(segment.path.rfind('/') + 1);
  auto header = DecodeSegmentHeader(all.substr(0, kSegmentHeaderSize));
  if (!header.ok()) return Status::Corruption(name + ": " + header.status().message());
  if (Status h = CheckSegmentHeader(name, header.value(), segment.first_sequence,
                                    segment.first_sequence, expected_previous_chain, log_id);
      !h.ok()) {
    return h;
  }
  ChainChecker chain(segment.first_sequence - 1, expected_previous_chain);
  size_t offset = kSegmentHeaderSize;
  Record r;
  while (offset < bytes.size()) {
    size_t consumed = 0;
    if (ParseRecord(all.substr(offset), &r, &consumed) != ParseResult::kOk ||
        !chain.Check(r).ok()) {
      break;
    }
    offset += consumed;
    ++prefix.records;
  }
  prefix.bytes = offset;
  prefix.last_sequence = chain.sequence();
  prefix.last_chain = chain.chain();
  if (prefix.records > 0 && bytes.size() - offset == kSegmentFooterSize) {
    auto footer = DecodeSegmentFooter(all.substr(offset));
    prefix.sealed = footer.ok() && footer.value().last_sequence == chain.sequence() &&
                    footer.value().last_chain == chain.chain();
    if (prefix.sealed) prefix.bytes = bytes.size();
  }
  if (prefix_bytes != nullptr) {
    bytes.resize(prefix.bytes);
    *prefix_bytes = std::move(bytes);
  }
  return prefix;
}

}  // namespace dreichor::audit
