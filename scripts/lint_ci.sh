#!/usr/bin/env bash
# The CI pipelines' own checks, run by the test command (scripts/lint.sh):
#   - every workflow in .github/workflows validated against GitHub Actions' schema
#     (action-validator), and the rules the workflows must keep (scripts/check_ci.py: triggers,
#     least permissions, OIDC registry login, no long-lived secret, images built from pinned bases
#     and promoted by digest);
#   - the image policy on every Dockerfile (scripts/check_ci.py: non-root user, HEALTHCHECK, no
#     `latest`, bases by build argument so that releases pin them by digest);
#   - a secret-hygiene scan of every file in the repository (secretlint, its recommended rules,
#     .secretlintrc.json).
# The npm tools are pinned by tools/ci/package-lock.json (installed by scripts/npm_tools.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

bin=$(scripts/npm_tools.sh ci secretlint)

mapfile -t workflows < <(git ls-files '.github/workflows/*.yml')
for workflow in "${workflows[@]}"; do
  "$bin/action-validator" "$workflow"
done
python3 scripts/check_ci.py

# Every tracked file, and every new one not ignored: what a push would publish.
mapfile -t files < <(git ls-files --cached --others --exclude-standard)
"$bin/secretlint" --secretlintrc .secretlintrc.json --maskSecrets "${files[@]}"
echo "lint_ci: ${#workflows[@]} workflows, the image policy, ${#files[@]} files scanned for secrets"
