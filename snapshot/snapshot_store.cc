#include "snapshot/snapshot_store.h"

#include <zstd.h>

#include <algorithm>
#include <cstring>

#include "snapshot/snapshot_format.h"
#include "util/byte_io.h"
#include "util/crc32c.h"
#include "util/sequence_file_name.h"

namespace dreichor::snapshot {

namespace {

std::string EncodeHeader(const SnapshotMeta& m, uint64_t raw, uint64_t compressed) {
  StringSink sink;
  {
    ByteWriter w(&sink);
    w.Bytes(std::string_view(kMagic, 4));
    w.U32(kFormatVersion);
    w.U64(m.sequence);
    w.Bytes(std::string_view(reinterpret_cast<const char*>(m.chain.data()), 32));
    w.Bytes(std::string_view(reinterpret_cast<const char*>(m.state_hash.data()), 32));
    w.I64(m.created_at_ns);
    w.U64(raw);
    w.U64(compressed);
  }
  return std::move(sink.bytes());
}

}  // namespace

std::string SnapshotFileName(uint64_t sequence) {
  return SequenceFileName(kPrefix, sequence, kSuffix);
}

Status SnapshotStore::Write(const SnapshotMeta& meta, std::string_view state) {
  std::string file;
  const size_t bound = ZSTD_compressBound(state.size());
  std::string body(bound, '\0');
  const size_t n =
      ZSTD_compress(body.data(), bound, state.data(), state.size(), options_.zstd_level);
  if (ZSTD_isError(n)) return Status::IoError(std::string("zstd: ") + ZSTD_getErrorName(n));
  body.resize(n);
  file = EncodeHeader(meta, state.size(), body.size());
  file += body;
  AppendFixed<uint32_t>(&file, crc32c::Value(file));

  if (Status s = env_->CreateDirs(dir_); !s.ok()) return s;
  const std::string final_path = dir_ + "/" + SnapshotFileName(meta.sequence);
  const std::string tmp = final_path + kTempSuffix;
  auto out = env_->NewWritableFile(tmp);
  if (!out.ok()) return out.status();
  Status s = out.value()->Append(file);
  if (s.ok()) s = out.value()->Sync();
  if (s.ok()) s = out.value()->Close();
  if (s.ok()) s = env_->RenameFile(tmp, final_path);
  if (s.ok()) s = env_->SyncDir(dir_);
  if (!s.ok()) {
    (void)env_->RemoveFile(tmp);
    return s;
  }
  return Prune();
}

Status SnapshotStore::Prune() {
  auto files = List();
  if (!files.ok()) return files.status();
  const size_t keep = options_.retain < 1 ? 1 : options_.retain;
  bool removed = false;
  for (size_t i = keep; i < files.value().size(); ++i) {
    if (Status s = env_->RemoveFile(dir_ + "/" + files.value()[i].name); !s.ok()) return s;
    removed = true;
  }
  return removed ? env_->SyncDir(dir_) : Status::Ok();
}

Status SnapshotStore::Quarantine(const std::string& name) {
  const std::string quarantine = dir_ + "/" + kQuarantineDir;
  if (Status s = env_->CreateDirs(quarantine); !s.ok()) return s;
  if (Status s = env_->RenameFile(dir_ + "/" + name, quarantine + "/" + name); !s.ok()) return s;
  if (Status s = env_->SyncDir(quarantine); !s.ok()) return s;
  return env_->SyncDir(dir_);
}

Result<std::vector<SnapshotFile>> SnapshotStore::List() const {
  std::vector<SnapshotFile> out;
  if (!env_->FileExists(dir_)) return out;
  std::vector<std::string> names;
  if (Status s = env_->GetChildren(dir_, &names); !s.ok()) return s;
  for (const std::string& name : names) {
    uint64_t seq = 0;
    if (!ParseSequenceFileName(name, kPrefix, kSuffix, &seq)) continue;
    auto size = env_->FileSize(dir_ + "/" + name);
    out.push_back(SnapshotFile{name, seq, size.ok() ? size.value() : 0});
  }
  std::sort(out.begin(), out.end(),
            [](const SnapshotFile& a, const SnapshotFile& b) { return a.sequence > b.sequence; });
  return out;
}

Result<LoadedSnapshot> SnapshotStore::Read(const std::string& name) const {
  std::string file;
  if (Status s = env_->ReadFile(dir_ + "/" + name, &file); !s.ok()) return s;
  if (file.size() < kHeaderSize + kTrailerSize) {
    return Status::Corruption(name + ": truncated (" + std::to_string(file.size()) + " bytes)");
  }
  ByteReader h(std::string_view(file).substr(0, kHeaderSize));
  if (h.Bytes(4) != std::string_view(kMagic, 4)) return Status::Corruption(name + ": bad magic");
  if (uint32_t v = h.U32(); v != kFormatVersion) {
    return Status::Unsupported(name + ": format version " + std::to_string(v) +
                               " (this build reads " + std::to_string(kFormatVersion) + ")");
  }
  LoadedSnapshot out;
  out.meta.sequence = h.U64();
  std::memcpy(out.meta.chain.data(), h.Bytes(32).data(), 32);
  std::memcpy(out.meta.state_hash.data(), h.Bytes(32).data(), 32);
  out.meta.created_at_ns = h.I64();
  const uint64_t raw = h.U64();
  const uint64_t compressed = h.U64();
  if (compressed != file.size() - kHeaderSize - kTrailerSize) {
    return Status::Corruption(name + ": truncated or extended (body of " +
                              std::to_string(file.size() - kHeaderSize - kTrailerSize) +
                              " bytes, header says " + std::to_string(compressed) + ")");
  }
  ByteReader t(std::string_view(file).substr(file.size() - kTrailerSize));
  if (crc32c::Value(file.data(), file.size() - kTrailerSize) != t.U32()) {
    return Status::Corruption(name + ": checksum mismatch");
  }
  if (raw > kMaxRawSize) return Status::Corruption(name + ": implausible state size");
  out.state.resize(raw);
  const size_t n = ZSTD_decompress(out.state.data(), raw, file.data() + kHeaderSize, compressed);
  if (ZSTD_isError(n) || n != raw) {
    return Status::Corruption(name + ": body does not decompress to the recorded size");
  }
  return out;
}

}  // namespace dreichor::snapshot
