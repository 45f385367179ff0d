#!/usr/bin/env bash
# Fails, naming the files, when a C source is not as .clang-format says.
set -euo pipefail
cd "$(dirname "$0")/.."
bad=()
while IFS= read -r f; do
	clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done < <(git ls-files --cached --others --exclude-standard '*.c' '*.h')
if [ "${#bad[@]}" -gt 0 ]; then
	echo "not formatted (run: make format): ${bad[*]}" >&2
	exit 1
fi
