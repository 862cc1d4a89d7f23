#include "evidence/checkpoint.h"

#include <cstring>
#include <vector>

#include "util/base64.h"
#include "util/parse_number.h"

namespace dreichor::evidence {
namespace {

constexpr std::string_view kDash = "\xe2\x80\x94 ";  // U+2014 EM DASH, then a space
constexpr size_t kMaxNoteBytes = 1 << 16;

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') {
      lines.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  return lines;  // text ends in '\n', so nothing is left over
}

}  // namespace

std::string Checkpoint::Body() const {
  return origin + "\n" + std::to_string(tree_size) + "\n" + HashToBase64(root) + "\n";
}

Result<Checkpoint> ParseCheckpointBody(std::string_view body) {
  if (body.empty() || body.back() != '\n') {
    return Status::InvalidArgument("a checkpoint ends with a newline");
  }
  const std::vector<std::string_view> lines = Lines(body);
  if (lines.size() < 3) {
    return Status::InvalidArgument("a checkpoint has an origin, a tree size and a root hash line");
  }
  Checkpoint c;
  c.origin = std::string(lines[0]);
  if (c.origin.empty()) return Status::InvalidArgument("the checkpoint's origin is empty");
  const std::optional<uint64_t> size = ParseDecimal(lines[1]);
  if (!size || (lines[1].size() > 1 && lines[1][0] == '0')) {
    return Status::InvalidArgument("the checkpoint's tree size is not a decimal number");
  }
  c.tree_size = *size;
  std::optional<Hash> root = HashFromBase64(lines[2]);
  if (!root) return Status::InvalidArgument("the checkpoint's root hash is not base64 of 32 bytes");
  c.root = *root;
  return c;
}

std::string SignNote(std::string_view body, const NoteSigner& signer) {
  std::string blob(reinterpret_cast<const char*>(signer.key_id().data()), signer.key_id().size());
  blob += signer.Sign(body);
  std::string note(body);
  note += "\n";
  note += kDash;
  note += signer.name() + " " + Base64Encode(blob) + "\n";
  return note;
}

Result<std::string> OpenNote(std::string_view note, const NoteVerifier& verifier) {
  if (note.size() > kMaxNoteBytes) return Status::InvalidArgument("the note is too large");
  const size_t split = note.rfind("\n\n");
  if (split == std::string_view::npos || note.back() != '\n') {
    return Status::InvalidArgument("not a signed note (no empty line before the signatures)");
  }
  const std::string_view body = note.substr(0, split + 1);
  bool named = false;
  for (std::string_view line : Lines(note.substr(split + 2))) {
    if (line.substr(0, kDash.size()) != kDash) {
      return Status::InvalidArgument("a signature line does not start with an em dash");
    }
    line.remove_prefix(kDash.size());
    const size_t space = line.find(' ');
    if (space == std::string_view::npos) {
      return Status::InvalidArgument("a signature line has no signature");
    }
    if (line.substr(0, space) != verifier.name()) continue;
    std::optional<std::string> blob = Base64Decode(line.substr(space + 1));
    if (!blob || blob->size() != 4 + 64) {
      return Status::InvalidArgument("a signature by " + verifier.name() +
                                     " is not base64 of a key id and 64 bytes");
    }
    if (std::memcmp(blob->data(), verifier.key_id().data(), 4) != 0) continue;
    named = true;
    if (verifier.Verify(body, std::string_view(*blob).substr(4))) return std::string(body);
  }
  if (named) return Status::Corruption("the signature by " + verifier.name() + " does not verify");
  return Status::NotFound("the note has no signature by " + verifier.VerifierKey());
}

Result<Checkpoint> OpenCheckpoint(std::string_view note, const NoteVerifier& verifier) {
  auto body = OpenNote(note, verifier);
  if (!body.ok()) return body.status();
  auto checkpoint = ParseCheckpointBody(body.value());
  if (!checkpoint.ok()) return checkpoint.status();
  if (checkpoint.value().origin != verifier.name()) {
    return Status::InvalidArgument("the checkpoint's origin \"" + checkpoint.value().origin +
                                   "\" is not the key's name \"" + verifier.name() + "\"");
  }
  return checkpoint;
}

}  // namespace dreichor::evidence
