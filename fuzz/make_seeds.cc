// dreichor-fuzz-seeds OUT_DIR SOURCE_DIR: writes the seed corpus of every fuzz target into
// OUT_DIR/<target>/, made by the code itself from valid examples of each format, so that the
// fuzzers start from inputs that reach deep. Deterministic: the same code writes the same files
// (fuzz/check_seeds.sh compares them with the committed fuzz/corpus/).
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "audit/record.h"
#include "audit/segment_format.h"
#include "command_json/command_json.h"
#include "config/env_schema.h"
#include "deploy/access/base64url.h"
#include "engine/api_keys.h"
#include "engine/command_codec.h"
#include "evidence/checkpoint.h"
#include "evidence/merkle.h"
#include "fuzz/fixtures.h"
#include "snapshot/snapshot_store.h"
#include "stream/cloudevents.h"
#include "stream/stream_message.h"
#include "testing/commands.h"
#include "util/mem_env.h"

namespace fs = std::filesystem;
using namespace dreichor;

namespace {

using fuzz::kTokenNow;

// A public RSA modulus (2048 bits) for a well-formed JWKS; its private half was never kept.
constexpr char kModulus[] =
    "ucKwqT_Ibx47Hgt9hJ18oiT9xjYMWQAjj4j8RSj3AWvLbSVpAmxLZrWUuwu11bOIeZOLebYkTXoy_dOEmFdCcEQV1_aw-"
    "MjABvwXcmzV8LT58Iwu24kcYxaZ4YzScAN-W-DZOrpNfMkhnqJvjY7Bkn2mjAOPC28K7bBkbIMJplM7Zd1ekk4kKkYpRJ"
    "qMvSOVE_iLw70pYC326sp0kSDzbP-lV1EnlxzuscBsO2wgeP783xUitVX3S_kpko9DjlgiDAbWpSakFbDwB5pRiObZER7w"
    "8m2gNxivg3MCLZQPkmh3_T9qEIqvE_Reo77kW-OUJGrQZjPrPmlS6izq_JQ7AQ";

class Corpus {
 public:
  explicit Corpus(fs::path root) : root_(std::move(root)) {}
  void Add(const std::string& target, const std::string& name, std::string_view bytes) {
    const fs::path dir = root_ / target;
    fs::create_directories(dir);
    std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) {
      std::cerr << "cannot write " << (dir / name) << "\n";
      std::exit(1);
    }
  }

 private:
  fs::path root_;
};

// Records 1..n chained from `genesis`.
std::string ChainedRecords(uint64_t n, audit::Digest chain) {
  std::string out;
  for (uint64_t s = 1; s <= n; ++s) {
    const audit::PendingRecord r = runtime::RecordForSequence(s);
    chain = audit::ChainHash(chain, r);
    audit::AppendRecord(r, chain, &out);
  }
  return out;
}

// One example of every command type (the first commands of the test stream, then the rest).
std::vector<engine::Command> ExampleCommands() {
  using namespace engine;
  return {runtime::CommandForSequence(1),
          SetMarketStatus{1, MarketStatus::kHalted},
          runtime::CommandForSequence(3),
          Withdraw{1, "USD", 500},
          SetRiskLimits{1, 100, 1'000'000, 10, 500, 20, 5, StpMode::kCancelResting},
          PlaceOrder{1, 1, 42, Side::kBuy, OrderKind::kLimit, 100, 3, 0},
          PlaceOrder{2, 1, 0, Side::kBuy, OrderKind::kMarket, 0, 3, 2010},
          CancelOrder{1, OrderRef{7, 0}},
          CancelAll{1, 2},
          AmendOrder{1, OrderRef{0, 42}, 101, 2},
          SetRetention{1, 5'000, 1'956'528'000'000'000'000},
          LegalHold{2027001, true},
          RegisterApiKey{5, 1, PublicKey{1, 2, 3, 4, 5, 6, 7, 8}, kAllPermissions},
          RevokeApiKey{5}};
}

void AuditSeeds(Corpus& c) {
  const audit::LogHeader header = fuzz::SegmentTargetLogHeader();
  const audit::Digest genesis = audit::GenesisHash(header);
  c.Add("audit_record", "one", ChainedRecords(1, genesis));
  c.Add("audit_record", "forty", ChainedRecords(40, genesis));
  // The harness writes the segment header for inputs whose first byte is even.
  c.Add("audit_segment", "records", std::string(1, '\0') + ChainedRecords(30, genesis));
  std::string torn = ChainedRecords(30, genesis);
  torn.resize(torn.size() - 5);
  c.Add("audit_segment", "torn-tail", std::string(1, '\0') + torn);
  const std::string whole =
      audit::EncodeSegmentHeader(audit::SegmentHeader{header.log_id, 1, genesis}) +
      ChainedRecords(10, genesis);
  c.Add("audit_segment", "whole-file", std::string(1, '\1') + whole);
}

void EngineSeeds(Corpus& c) {
  const std::vector<engine::Command> commands = ExampleCommands();
  for (size_t i = 0; i < commands.size(); ++i) {
    c.Add("command_codec", "command-" + std::to_string(i), engine::EncodeCommand(commands[i]));
    nlohmann::ordered_json json = command_json::ToJson(commands[i]);
    json.erase("command");
    const size_t type_index = engine::CommandTypeIndex(engine::TypeOf(commands[i]));
    c.Add("command_json", "command-" + std::to_string(i),
          std::string(1, static_cast<char>(type_index)) + json.dump());
  }
  for (uint64_t n : {2, 30, 200}) {
    c.Add("engine_state", "after-" + std::to_string(n),
          runtime::ReferenceEngine(n)->SerializeToString());
  }
}

void SnapshotSeeds(Corpus& c) {
  MemEnv env;
  (void)env.CreateDirs("/s");
  snapshot::SnapshotStore store(&env, "/s", snapshot::SnapshotOptions{});
  for (uint64_t n : {2, 200}) {
    const auto engine = runtime::ReferenceEngine(n);
    snapshot::SnapshotMeta meta{n, {}, engine->StateHash(), fuzz::kLogCreatedAtNs};
    if (!store.Write(meta, engine->SerializeToString()).ok()) std::exit(1);
    std::string bytes;
    (void)env.ReadFile("/s/" + snapshot::SnapshotFileName(n), &bytes);
    c.Add("snapshot", "after-" + std::to_string(n), bytes);
  }
}

void ConfigSeeds(Corpus& c, const fs::path& source) {
  std::string env_file = "# the runtime's variables, each at its documented example\n\n";
  for (const config::VarSpec& spec : config::RuntimeSchema()) {
    env_file += std::string(spec.name) + "=" + std::string(spec.example) + "\n";
  }
  c.Add("env_file", "runtime-examples", env_file);
  c.Add("env_file", "unknown-and-malformed",
        "DREICHOR_ENV=prod\nDREICHOR_NOT_A_VARIABLE=1\nnot a line\n");
  for (const auto& entry : fs::directory_iterator(source / "infra/db/migrations")) {
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string contents((std::istreambuf_iterator<char>(in)), {});
    c.Add("migration_file", entry.path().filename().string(),
          entry.path().filename().string() + "\n" + contents);
  }
  c.Add("migration_file", "contract-directives",
        "0002_contract_drop_x.sql\n-- dreichor: non-transactional\nDROP INDEX CONCURRENTLY x;\n");
}

void AccessSeeds(Corpus& c) {
  const nlohmann::json header = {{"alg", "RS256"}, {"kid", "k1"}, {"typ", "JWT"}};
  const nlohmann::json claims = {
      {"iss", fuzz::kIssuer},     {"aud", nlohmann::json::array({fuzz::kAudience})},
      {"email", fuzz::kIdentity}, {"iat", kTokenNow},
      {"nbf", kTokenNow},         {"exp", kTokenNow + 600}};
  c.Add("access_token", "signed-valid", "\1" + header.dump() + "\n" + claims.dump());
  nlohmann::json service = claims;
  service.erase("email");
  service["common_name"] = fuzz::kIdentity;
  c.Add("access_token", "signed-service-token", "\1" + header.dump() + "\n" + service.dump());
  c.Add("access_token", "unsigned",
        std::string(1, '\0') + deploy::Base64UrlEncode(header.dump()) + "." +
            deploy::Base64UrlEncode(claims.dump()) + ".c2ln");
  const nlohmann::json jwk = {{"kid", "k1"},  {"kty", "RSA"},  {"alg", "RS256"},
                              {"use", "sig"}, {"n", kModulus}, {"e", "AQAB"}};
  c.Add("jwks", "one-key", nlohmann::json{{"keys", {jwk}}}.dump());
  nlohmann::json ec = {{"kid", "k2"}, {"kty", "EC"}, {"crv", "P-256"}, {"x", "AA"}, {"y", "AA"}};
  c.Add("jwks", "mixed", nlohmann::json{{"keys", {ec, jwk}}}.dump());
}

void ContainerEngineSeeds(Corpus& c) {
  const std::vector<std::string> answers = {
      "200OK",
      R"(200{"ApiVersion":"1.43","Version":"24.0.0","Components":[{"Name":"Engine"}]})",
      R"(200{"status":"Pulling"}
{"status":"Digest: sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"})",
      R"(200{"Id":"sha256:aa","RepoDigests":["registry.local/dreichor@sha256:00"]})",
      R"(200[{"Id":"c1","Names":["/dreichor-dev-runtime"],"Image":"i","ImageID":"sha256:aa","State":"running","Labels":{"dreichor.env":"dev"}}])",
      R"(200{"Id":"c1","Name":"/dreichor-dev-runtime","Image":"sha256:aa","State":{"Status":"running","Running":true,"ExitCode":0},"Config":{"Labels":{"dreichor.env":"dev"},"Healthcheck":{"Test":["CMD","x"]}},"Mounts":[{"Type":"bind","Source":"/a","Destination":"/b","RW":true}],"HostConfig":{"ReadonlyRootfs":true,"CapDrop":["ALL"],"PidsLimit":256},"NetworkSettings":{"Networks":{"dreichor-dev":{}}}})",
      R"(201{"Id":"c1","Warnings":[]})",
      "204",
      "204",
      "204",
      R"(201{"Id":"e1"})",
      "200",
      R"(200{"ExitCode":0,"Running":false})",
      "200hello from the container",
      "204",
      R"(404{"message":"no such network"})",
      R"(201{"Id":"n1"})",
      R"(200{"Name":"dreichor-dev","Internal":false,"Labels":{"dreichor.env":"dev"},"IPAM":{"Config":[{"Subnet":"10.89.1.0/24"}]}})"};
  std::string script;
  for (size_t i = 0; i < answers.size(); ++i) {
    if (i > 0) script.push_back('\0');
    script += answers[i];
  }
  c.Add("container_engine", "happy-path", script);
  c.Add("container_engine", "errors", std::string("200OK") + '\0' + R"(500{"message":"boom"})");
}

// The requests a dev agent sends its engine gate: method NUL target NUL body.
void EngineGateSeeds(Corpus& c) {
  const auto request = [](const std::string& method, const std::string& target,
                          const std::string& body) { return method + '\0' + target + '\0' + body; };
  c.Add("engine_gate", "ping", request("GET", "/_ping", ""));
  c.Add(
      "engine_gate", "list",
      request(
          "GET",
          "/v1.41/containers/json?all=1&filters=%7B%22label%22%3A%5B%22dreichor.env%3Ddev%22%5D%7D",
          ""));
  c.Add("engine_gate", "stop",
        request("POST", "/v1.41/containers/dreichor-runtime-dev/stop?t=30", ""));
  c.Add("engine_gate", "exec",
        request("POST", "/v1.41/containers/dreichor-runtime-dev/exec",
                R"({"Cmd":["/bin/ready"],"AttachStdout":true,"AttachStderr":true})"));
  c.Add(
      "engine_gate", "create",
      request(
          "POST", "/v1.41/containers/create?name=dreichor-runtime-dev",
          R"({"Image":"r@sha256:ab","Env":["A=1"],"Labels":{"dreichor.env":"dev"},"User":"10001:10001",)"
          R"("ExposedPorts":{"8080/tcp":{}},"HostConfig":{"RestartPolicy":{"Name":"no"},)"
          R"("Mounts":[{"Type":"bind","Source":"/opt/dreichor/dev/volumes/audit-events",)"
          R"("Target":"/var/lib/dreichor/audit-events","ReadOnly":false}],"ReadonlyRootfs":true,)"
          R"("CapDrop":["ALL"],"SecurityOpt":["no-new-privileges"],"Memory":268435456,)"
          R"("NetworkMode":"dreichor-dev","PortBindings":{"8080/tcp":[{"HostIp":"127.0.0.1",)"
          R"("HostPort":"18080"}]}}})"));
  c.Add("engine_gate", "network",
        request("POST", "/v1.41/networks/create",
                R"({"Name":"dreichor-dev","Driver":"bridge","Labels":{"dreichor.env":"dev"},)"
                R"("IPAM":{"Config":[{"Subnet":"10.89.1.0/24"}]},"Options":{"isolate":"true"}})"));
}

void HttpSeeds(Corpus& c) {
  c.Add("http_request", "get-depth",
        "GET /v1/markets/1/depth?levels=5 HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string body =
      R"({"account":1,"market":1,"side":"buy","type":"limit","price":100,"quantity":2})";
  c.Add(
      "http_request", "post-order",
      "POST /v1/orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
          std::to_string(body.size()) + "\r\n\r\n" + body);
  c.Add("http_request", "pipelined-chunked",
        "GET /v1/markets/2/depth HTTP/1.1\r\nHost: x\r\n\r\n"
        "POST /v1/orders HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        "4\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\n\r\n");
}

void TraceSeeds(Corpus& c) {
  c.Add("traceparent", "w3c-example", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  c.Add("traceparent", "future-version",
        "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00-extra-fields");
  c.Add("traceparent", "uppercase", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01");
}

// A subscription's first message (start, records 1-3 with their outcomes, a heartbeat), and a
// heartbeat alone.
void StreamSeeds(Corpus& c) {
  engine::Engine engine;
  audit::Digest chain{};
  std::string batch = "[" + stream::StartJson({1, chain}, 1'700'000'000'000'000'000, "urn:x");
  for (uint64_t n = 1; n <= 3; ++n) {
    const audit::PendingRecord p = runtime::RecordForSequence(n);
    audit::Record r{p.sequence, p.timestamp_ns, p.event_id, p.type, audit::ChainHash(chain, p),
                    p.payload};
    chain = r.chain;
    const engine::Outcome o = engine.Apply(runtime::CommandForSequence(n), r.timestamp_ns);
    batch += "," + stream::CommittedEventJson(r, o, engine.events(), "urn:x");
  }
  const stream::Heartbeat heartbeat{3, 5, chain, engine.StateHash(), 1'700'000'000'000'000'000};
  c.Add("stream_batch", "start-records-heartbeat",
        batch + "," + stream::HeartbeatJson(heartbeat, "urn:x") + "]");
  c.Add("stream_batch", "heartbeat", "[" + stream::HeartbeatJson(heartbeat, "urn:x") + "]");
}

// Signed checkpoints with the documentation's example key (Ed25519 is deterministic), keys, and a
// proof in the target's binary layout (index, size, two hashes, the proof's hashes).
void EvidenceSeeds(Corpus& c) {
  auto signer = evidence::NoteSigner::Parse(evidence::kExampleSignerKey).value();
  evidence::MemoryNodes tree;
  for (uint64_t n = 1; n <= 5; ++n) tree.Add(evidence::LeafHash(std::to_string(n)));
  const evidence::Checkpoint checkpoint{signer->name(), 5, evidence::RootAt(tree, 5).value()};
  c.Add("checkpoint", "signed", evidence::SignNote(checkpoint.Body(), *signer));
  c.Add("checkpoint", "body-with-extension", checkpoint.Body() + "extension line\n");
  c.Add("checkpoint", "verifier-key", signer->VerifierKey());
  c.Add("checkpoint", "signer-key", std::string(evidence::kExampleSignerKey));
  std::string proof(16, '\0');
  const uint64_t index = 2, size = 5;
  std::memcpy(proof.data(), &index, 8);
  std::memcpy(proof.data() + 8, &size, 8);
  auto append = [&proof](const evidence::Hash& h) {
    proof.append(reinterpret_cast<const char*>(h.data()), h.size());
  };
  append(tree.Node(0, 2).value());
  append(checkpoint.root);
  const std::vector<evidence::Hash> path = evidence::InclusionProof(tree, 2, 5).value();
  for (const evidence::Hash& h : path) append(h);
  c.Add("checkpoint", "inclusion-proof", proof);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: dreichor-fuzz-seeds OUT_DIR SOURCE_DIR\n";
    return 2;
  }
  Corpus corpus{fs::path(argv[1])};
  AuditSeeds(corpus);
  EngineSeeds(corpus);
  SnapshotSeeds(corpus);
  ConfigSeeds(corpus, fs::path(argv[2]));
  AccessSeeds(corpus);
  ContainerEngineSeeds(corpus);
  EngineGateSeeds(corpus);
  HttpSeeds(corpus);
  TraceSeeds(corpus);
  StreamSeeds(corpus);
  EvidenceSeeds(corpus);
  return 0;
}
