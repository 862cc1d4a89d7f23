#include "cli/evidence_commands.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <map>

#include "audit/log_copy.h"
#include "engine/command_codec.h"
#include "engine/evidence_policy.h"
#include "evidence/checkpoint.h"
#include "evidence/proof_json.h"
#include "evidence/tree_store.h"
#include "util/base64.h"
#include "util/clock.h"
#include "util/env.h"
#include "util/json_log.h"

namespace dreichor::cli {
namespace {

using evidence::Hash;

// Feeds every record's leaf, from the first, to `add` while it returns true; the exit code.
template <typename Add>
int ForEachLeaf(audit::AuditLog& log, std::ostream& err, Add add) {
  return ForEachRecord(log, 1, err,
                       [&add](const audit::Record& r) { return add(evidence::RecordLeafHash(r)); });
}

// The whole tree of the log's first `size` records (0: all), in memory.
int BuildTree(audit::AuditLog& log, uint64_t size, evidence::MemoryNodes* tree, std::ostream& err) {
  return ForEachLeaf(log, err, [&](const Hash& leaf) {
    tree->Add(leaf);
    return size == 0 || tree->size() < size;
  });
}

std::string ReadText(const std::string& path_or_text) {
  std::string text;
  if (Env::Default()->FileExists(path_or_text) &&
      Env::Default()->ReadFile(path_or_text, &text).ok()) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    return text;
  }
  return path_or_text;
}

// Every checkpoint file named by `path` (one file, or the regular files of a directory), sorted.
Result<std::vector<std::string>> CheckpointFiles(const std::string& path) {
  Env* env = Env::Default();
  if (!env->FileExists(path)) return Status::NotFound(path);
  if (!env->IsDirectory(path)) return std::vector<std::string>{path};
  std::vector<std::string> names, files;
  if (Status s = env->GetChildren(path, &names); !s.ok()) return s;
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    if (name.size() > 11 && name.substr(name.size() - 11) == ".checkpoint") {
      files.push_back(path + "/" + name);
    }
  }
  if (files.empty()) return Status::NotFound("no *.checkpoint file in " + path);
  return files;
}

// The log's evidence policy: its set_retention and legal_hold records applied in order, as the
// engine applies them. False (with the reason printed) if one cannot be decoded.
bool FoldEvidencePolicy(audit::AuditLog& log, engine::EvidencePolicy* policy, std::ostream& err,
                        int* code) {
  bool decoded = true;
  *code = ForEachRecord(log, 1, err, [&](const audit::Record& r) {
    const auto type = static_cast<engine::CommandType>(r.type);
    if (type != engine::CommandType::kSetRetention && type != engine::CommandType::kLegalHold) {
      return true;
    }
    auto command = engine::DecodeCommand(r.payload);
    if (!command.ok()) {
      err << "record " << r.sequence << ": " << command.status().message() << "\n";
      decoded = false;
      return false;
    }
    if (const auto* retain = std::get_if<engine::SetRetention>(&command.value())) {
      (void)policy->Retain({retain->from_sequence, retain->through_sequence, retain->until_ns});
    } else if (const auto* hold = std::get_if<engine::LegalHold>(&command.value())) {
      (void)policy->Hold(hold->hold_id, hold->placed);
    }
    return true;
  });
  if (!decoded) *code = kProblemFound;
  return *code == kOk;
}

}  // namespace

int AuditKeygen(const std::string& origin, const std::string& secret_file, std::ostream& out,
                std::ostream& err) {
  auto signer = evidence::NoteSigner::Generate(origin);
  if (!signer.ok()) {
    err << "--origin: " << signer.status().message() << "\n";
    return kUsage;
  }
  const int fd = ::open(secret_file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    err << "cannot create " << secret_file << " (it must not exist): " << std::strerror(errno)
        << "\n";
    return kCannotRead;
  }
  const std::string secret = signer.value()->SignerKey() + "\n";
  const bool written =
      ::write(fd, secret.data(), secret.size()) == static_cast<ssize_t>(secret.size()) &&
      ::fsync(fd) == 0;
  ::close(fd);
  if (!written) {
    err << "cannot write " << secret_file << "\n";
    return kCannotRead;
  }
  out << "signing key written to " << secret_file
      << " (mode 0600): set it as DREICHOR_CHECKPOINT_KEY\n"
      << "verifier key (publish it): " << signer.value()->VerifierKey() << "\n";
  return kOk;
}

int AuditCheckpoint(const LogSource& source, uint64_t tree_size, std::ostream& out,
                    std::ostream& err) {
  int code = kOk;
  auto log = OpenLog(source, out, err, &code);
  if (!log) return code;
  evidence::CompactRange edge;
  code = ForEachLeaf(*log, err, [&](const Hash& leaf) {
    edge.Add(leaf);
    return tree_size == 0 || edge.size() < tree_size;
  });
  if (code != kOk) return code;
  if (tree_size != 0 && edge.size() < tree_size) {
    err << "the log holds " << edge.size() << " records, fewer than " << tree_size << "\n";
    return kProblemFound;
  }
  out << "tree_size " << edge.size() << "\nroot_hash " << evidence::HashToBase64(edge.Root())
      << "\n";
  return kOk;
}

int AuditProveInclusion(const LogSource& source, uint64_t sequence, uint64_t tree_size,
                        std::ostream& out, std::ostream& err) {
  int code = kOk;
  auto log = OpenLog(source, out, err, &code);
  if (!log) return code;
  evidence::MemoryNodes tree;
  if ((code = BuildTree(*log, tree_size, &tree, err)) != kOk) return code;
  const uint64_t size = tree_size == 0 ? tree.size() : tree_size;
  auto proof = evidence::InclusionProof(tree, sequence - 1, size);
  if (sequence == 0 || !proof.ok()) {
    err << "no proof: " << (sequence == 0 ? "--sequence starts at 1" : proof.status().message())
        << "\n";
    return kUsage;
  }
  out << evidence::InclusionProofJson(sequence, size, tree.Node(0, sequence - 1).value(),
                                      evidence::RootAt(tree, size).value(), proof.value())
             .dump(2)
      << "\n";
  return kOk;
}

int AuditProveConsistency(const LogSource& source, uint64_t from, uint64_t to, std::ostream& out,
                          std::ostream& err) {
  int code = kOk;
  auto log = OpenLog(source, out, err, &code);
  if (!log) return code;
  evidence::MemoryNodes tree;
  if ((code = BuildTree(*log, to, &tree, err)) != kOk) return code;
  const uint64_t size = to == 0 ? tree.size() : to;
  auto proof = evidence::ConsistencyProof(tree, from, size);
  if (!proof.ok()) {
    err << "no proof: " << proof.status().message() << "\n";
    return kUsage;
  }
  out << evidence::ConsistencyProofJson(from, size, evidence::RootAt(tree, from).value(),
                                        evidence::RootAt(tree, size).value(), proof.value())
             .dump(2)
      << "\n";
  return kOk;
}

int AuditCheck(const LogSource& source, const std::string& checkpoint,
               const std::string& public_key, std::ostream& out, std::ostream& err) {
  auto verifier = evidence::NoteVerifier::Parse(ReadText(public_key));
  if (!verifier.ok()) {
    err << "--public-key: " << verifier.status().message() << "\n";
    return kUsage;
  }
  auto files = CheckpointFiles(checkpoint);
  if (!files.ok()) {
    err << "--checkpoint: " << files.status().message() << "\n";
    return kCannotRead;
  }
  // Every checkpoint's signature first; then one pass over the log answers them all.
  std::map<uint64_t, std::pair<Hash, std::string>> wanted;  // tree size -> root, file
  for (const std::string& file : files.value()) {
    std::string note;
    if (Status s = Env::Default()->ReadFile(file, &note); !s.ok()) {
      err << file << ": " << s.ToString() << "\n";
      return kCannotRead;
    }
    auto opened = evidence::OpenCheckpoint(note, *verifier.value());
    if (!opened.ok()) {
      err << file << ": not a valid checkpoint of " << verifier.value()->name() << ": "
          << opened.status().message() << "\n";
      return kProblemFound;
    }
    auto [it, fresh] =
        wanted.emplace(opened.value().tree_size, std::make_pair(opened.value().root, file));
    if (!fresh && it->second.first != opened.value().root) {
      err << "two checkpoints of size " << it->first << " with different roots (" << file << ", "
          << it->second.second << "): the signing key signed two histories\n";
      return kProblemFound;
    }
  }
  int code = kOk;
  auto log = OpenLog(source, out, err, &code);
  if (!log) return code;
  evidence::CompactRange edge;
  int result = kOk;
  auto next = wanted.begin();
  auto check_at_size = [&] {
    for (; next != wanted.end() && next->first == edge.size(); ++next) {
      if (edge.Root() != next->second.first) {
        err << "inconsistent with " << next->second.second << ": the log's first " << next->first
            << " records hash to " << evidence::HashToBase64(edge.Root())
            << ", the checkpoint says " << evidence::HashToBase64(next->second.first)
            << ": the log was rewritten after that checkpoint was signed\n";
        result = kProblemFound;
      } else {
        out << "ok: the log's first " << next->first << " records match " << next->second.second
            << "\n";
      }
    }
  };
  check_at_size();  // a checkpoint of the empty tree
  code = ForEachLeaf(*log, err, [&](const Hash& leaf) {
    edge.Add(leaf);
    check_at_size();
    return next != wanted.end();
  });
  if (code != kOk) return code;
  if (next != wanted.end()) {
    err << "the log holds " << log->last_sequence() << " records, and " << next->second.second
        << " covers " << next->first << ": records after " << log->last_sequence()
        << " were removed (truncated) after that checkpoint was signed\n";
    return kProblemFound;
  }
  if (result == kOk) {
    out << "ok: " << wanted.size() << " checkpoint(s) of " << verifier.value()->name()
        << " verified against " << log->Describe() << "\n";
  }
  return result;
}

int AuditPrune(const LogSource& source, const std::string& copy_dir, uint64_t through,
               std::ostream& out, std::ostream& err) {
  int code = kOk;
  auto log = OpenLog(source, out, err, &code);
  if (!log) return code;
  engine::EvidencePolicy policy;
  if (!FoldEvidencePolicy(*log, &policy, err, &code)) return code;
  const int64_t now = Clock::Real()->NowUnixNanos();
  auto may_delete = [&](uint64_t first, uint64_t last) -> Status {
    if (!policy.holds().empty()) {
      std::string ids;
      for (uint64_t id : policy.holds()) ids += (ids.empty() ? "" : ", ") + std::to_string(id);
      return Status::FailedPrecondition("legal hold(s) " + ids +
                                        " placed: no evidence may be deleted");
    }
    if (const int64_t until = policy.RetainedUntil(first, last); until > now) {
      return Status::FailedPrecondition("records " + std::to_string(first) + ".." +
                                        std::to_string(last) + " are retained until " +
                                        FormatUtc(until));
    }
    return Status::Ok();
  };
  auto report = audit::PruneCopy(Env::Default(), copy_dir, log->genesis(), through, may_delete);
  if (!report.ok()) {
    err << "prune refused: " << report.status().message() << "\n";
    return report.status().code() == StatusCode::kIoError ? kCannotRead : kProblemFound;
  }
  out << "pruned " << report.value().segments_deleted << " segment(s): the copy no longer holds "
      << "records 1.." << report.value().pruned_through << "\n";
  if (!report.value().stopped_because.empty()) {
    out << "kept the rest: " << report.value().stopped_because << "\n";
  }
  return kOk;
}

}  // namespace dreichor::cli
