# SPDX-License-Identifier: GPL-3.0-or-later
# doc/: man pages and documents
dist_man_MANS += doc/sphone.1 doc/sphone.conf.5
EXTRA_DIST += doc/architecture.md doc/security.md
# installed beside the man pages' docs: a start for ~/.config/sphone/sphone.conf
dist_doc_DATA = doc/sphone.conf.example
