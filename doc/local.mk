# doc/: man pages and documents
dist_man_MANS += doc/sphone.1 doc/sphone.conf.5
