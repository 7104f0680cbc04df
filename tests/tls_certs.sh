#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# tls_certs.sh: make a throwaway CA and the server/client certificates the TLS tests need.
# Usage: tls_certs.sh DIR   (DIR is created; everything in it is disposable test material)
#
# Files made (PEM, EC P-256 keys):
#   ca.crt ca.key           the test CA ("sphone test CA")
#   good.crt good.key       localhost, 127.0.0.1, ::1 - signed by the CA
#   wrong.crt wrong.key     wrong.example only - signed by the CA
#   expired.crt/.key        localhost, 127.0.0.1 - valid 2020-01-01 .. 2021-01-01
#   future.crt/.key         localhost, 127.0.0.1 - valid 2090-01-01 .. 2091-01-01
#   other-ca.crt/.key       a second CA the tests never trust
#   otherca.crt/.key        localhost, 127.0.0.1 - signed by other-ca
#   self.crt self.key       self-signed, localhost, 127.0.0.1
#   client.crt client.key   client certificate (clientAuth) signed by the CA
# SIP domain names (RFC 5922), all signed by the CA, for the name pbx.sip.test:
#   wild.crt                *.sip.test only (a wildcard: refused for SIP)
#   wildplus.crt            *.sip.test and pbx.sip.test
#   sanuri.crt              URI sip:pbx.sip.test only (CN "sip uri only")
#   sanuriport.crt          URI sip:PBX.sip.test:5061;transport=tls only
#   sanuriuser.crt          URI sip:alice@pbx.sip.test only (a user, not a domain)
#   sanurisips.crt          URI sips:pbx.sip.test only (not the sip scheme)
#   cnonly.crt              no subjectAltName, CN pbx.sip.test
#   cnip.crt                CN pbx.sip.test, subjectAltName IP 127.0.0.1 only (so the CN does not count)
set -eu
d=${1:?usage: tls_certs.sh DIR}
mkdir -p "$d"
cd "$d"

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

# ca NAME SUBJECT: a self-signed CA with its own `openssl ca` database
ca() {
	key "$1.key"
	openssl req -x509 -new -key "$1.key" -subj "/CN=$2" -days 3650 -out "$1.crt" \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
	mkdir -p "$1.db"
	: >"$1.db/index.txt"
	cat >"$1.db/ca.cnf" <<EOF
[ca]
default_ca = this
[this]
database = $PWD/$1.db/index.txt
new_certs_dir = $PWD/$1.db
certificate = $PWD/$1.crt
private_key = $PWD/$1.key
rand_serial = yes
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
[any]
commonName = supplied
[server]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = \$ENV::SAN
[nosan]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
[client]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectAltName = \$ENV::SAN
EOF
}

# leaf CA NAME CN SAN EXT START END
leaf() {
	key "$2.key"
	openssl req -new -key "$2.key" -subj "/CN=$3" -out "$2.csr"
	SAN=$4 openssl ca -batch -notext -config "$1.db/ca.cnf" -extensions "$5" \
		-startdate "$6" -enddate "$7" -in "$2.csr" -out "$2.crt" 2>/dev/null
	rm -f "$2.csr"
}

later=$(date -u -d '+2 years' +%Y%m%d%H%M%SZ)
local_san="DNS:localhost,IP:127.0.0.1,IP:::1"

ca ca "sphone test CA"
ca other-ca "sphone untrusted CA"
# start one hour back so a slightly skewed clock does not make "good" not-yet-valid
start=$(date -u -d '-1 hour' +%Y%m%d%H%M%SZ)
leaf ca good localhost "$local_san" server "$start" "$later"
leaf ca wrong wrong.example "DNS:wrong.example" server "$start" "$later"
leaf ca expired localhost "$local_san" server 20200101000000Z 20210101000000Z
leaf ca future localhost "$local_san" server 20900101000000Z 20910101000000Z
leaf other-ca otherca localhost "$local_san" server "$start" "$later"
leaf ca client "sphone test client" "DNS:client.example" client "$start" "$later"
leaf ca wild wildcard "DNS:*.sip.test" server "$start" "$later"
leaf ca wildplus wildcard "DNS:*.sip.test,DNS:pbx.sip.test" server "$start" "$later"
leaf ca sanuri "sip uri only" "URI:sip:pbx.sip.test" server "$start" "$later"
leaf ca sanuriport "sip uri only" "URI:sip:PBX.sip.test:5061;transport=tls" server "$start" "$later"
leaf ca sanuriuser "sip uri only" "URI:sip:alice@pbx.sip.test" server "$start" "$later"
leaf ca sanurisips "sip uri only" "URI:sips:pbx.sip.test" server "$start" "$later"
leaf ca cnonly pbx.sip.test "" nosan "$start" "$later"
leaf ca cnip pbx.sip.test "IP:127.0.0.1" server "$start" "$later"

key self.key
openssl req -x509 -new -key self.key -subj "/CN=localhost" -days 365 -out self.crt \
	-addext "subjectAltName=$local_san"
