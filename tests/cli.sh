#!/bin/sh
# cli.sh: the command line answers --version and --help, and rejects unknown options.
. "$top_srcdir/tests/interop/lib.sh"
S="$top_builddir/sphone"

out=$("$S" --version); ok $? "--version exits 0"
echo "$out" | grep -q '^sphone [0-9]'; ok $? "--version prints 'sphone X.Y.Z'"
"$S" --help | grep -q -- '--version'; ok $? "--help lists the options"
"$S" --no-such-option >/dev/null 2>&1; [ $? -eq 2 ]; ok $? "an unknown option exits 2"
done_testing
