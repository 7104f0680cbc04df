# src/sip.mk: SIP URI and message layer (pl, sip_uri, sip_msg) and its unit tests.
src_libsphone_a_SOURCES += src/pl.c src/pl.h src/sip_uri.c src/sip_uri.h src/sip_msg.c src/sip_msg.h
