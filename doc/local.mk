# SPDX-License-Identifier: GPL-3.0-or-later
# doc/: man pages and documents
# the man pages are made from .in files with the version and date configure found, and docdir
man_MANS = doc/sphone.1 doc/sphone.conf.5
EXTRA_DIST += doc/sphone.1.in doc/sphone.conf.5.in
CLEANFILES += $(man_MANS)
edit_man = $(SED) -e 's|@PACKAGE_VERSION[@]|$(PACKAGE_VERSION)|g' -e 's|@SPHONE_DATE[@]|$(SPHONE_DATE)|g' \
	-e 's|@docdir[@]|$(docdir)|g'
$(man_MANS): Makefile
	$(AM_V_GEN)$(MKDIR_P) doc && rm -f $@ $@.tmp && $(edit_man) $(srcdir)/$@.in >$@.tmp && mv $@.tmp $@
doc/sphone.1: $(srcdir)/doc/sphone.1.in
doc/sphone.conf.5: $(srcdir)/doc/sphone.conf.5.in
EXTRA_DIST += doc/architecture.md doc/security.md doc/hardening.md
# installed beside the man pages' docs: a start for ~/.config/sphone/sphone.conf, and the Asterisk PJSIP
# set-up it matches (the one tests/interop/asterisk_*.sh run Asterisk from), renamed as they install
dist_doc_DATA = doc/sphone.conf.example
EXTRA_DIST += doc/asterisk/pjsip.conf doc/asterisk/extensions.conf doc/asterisk/voicemail.conf
install-data-local:
	$(MKDIR_P) '$(DESTDIR)$(docdir)'
	$(INSTALL_DATA) '$(srcdir)/doc/asterisk/pjsip.conf' '$(DESTDIR)$(docdir)/asterisk-pjsip.conf'
	$(INSTALL_DATA) '$(srcdir)/doc/asterisk/extensions.conf' '$(DESTDIR)$(docdir)/asterisk-extensions.conf'
	$(INSTALL_DATA) '$(srcdir)/doc/asterisk/voicemail.conf' '$(DESTDIR)$(docdir)/asterisk-voicemail.conf'
uninstall-local:
	rm -f '$(DESTDIR)$(docdir)/asterisk-pjsip.conf' '$(DESTDIR)$(docdir)/asterisk-extensions.conf' \
		'$(DESTDIR)$(docdir)/asterisk-voicemail.conf'
