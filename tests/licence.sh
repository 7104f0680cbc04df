#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# licence.sh: COPYING is the GPL version 3, and every source file under version control carries an
# SPDX-License-Identifier line in its first three lines (data, corpora and Markdown documents excepted).
top=${top_srcdir:-$(dirname "$0")/..}
cd "$top" || exit 1
echo "1..3"
n=0
head -1 COPYING 2>/dev/null | grep -q 'GNU GENERAL PUBLIC LICENSE' && sed -n 2p COPYING | grep -q 'Version 3'
[ $? -eq 0 ] && echo "ok 1 - COPYING holds the GNU GPL version 3" || echo "not ok 1 - COPYING holds the GNU GPL version 3"
if git rev-parse --git-dir >/dev/null 2>&1; then
	files=$(git ls-files)
else
	files=$(find . -type f ! -path './build*' | sed 's|^\./||')
fi
missing=""
for f in $files; do
	case "$f" in
	tests/data/*|tests/fuzz/corpus/*|*.md|COPYING|.gitignore|m4/.gitkeep|tests/data/rfc4475/README) continue ;;
	*.c|*.h|*.sh|*.py|*.mk|*.am|*.ac|*.1|*.5|*.in|*.cfg|*.dict|*.example|*.conf|.ci/run|scripts/*) ;;
	*) continue ;;
	esac
	[ -f "$f" ] || continue
	head -3 "$f" | grep -q 'SPDX-License-Identifier: GPL-3.0-or-later' || missing="$missing $f"
	n=$((n + 1))
done
if [ -z "$missing" ]; then
	echo "ok 2 - all $n source files carry SPDX-License-Identifier: GPL-3.0-or-later"
else
	echo "not ok 2 - without an SPDX line:$missing"
fi
grep -q 'RFC 4475' tests/data/rfc4475/README 2>/dev/null && echo "ok 3 - tests/data/rfc4475 names its origin and terms" \
	|| echo "not ok 3 - tests/data/rfc4475 names its origin and terms"
